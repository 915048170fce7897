using System.Linq.Expressions;
using System.Reflection;
using System.Text;
using System.Text.Json;

namespace Durable.Runtime;

/// <summary>Turns a typed lambda such as <c>(PaymentActivities p) =&gt; p.ChargeAsync(id, key, total)</c> into a name and JSON arguments.</summary>
internal static class ActivityCall
{
    public static (string Name, string Arguments) Describe(LambdaExpression call)
    {
        if (call.Body is not MethodCallExpression method || method.Object != call.Parameters[0])
        {
            throw new ArgumentException(
                $"An activity call must be a method call on the lambda's parameter, such as (PaymentActivities p) => p.ChargeAsync(...); got {call}.", nameof(call));
        }
        var parameters = method.Method.GetParameters();
        var json = new StringBuilder("[");
        for (var i = 0; i < parameters.Length; i++)
        {
            if (parameters[i].ParameterType == typeof(CancellationToken))
            {
                continue;
            }
            if (json.Length > 1)
            {
                json.Append(',');
            }
            json.Append(JsonSerializer.Serialize(Evaluate(method.Arguments[i]), parameters[i].ParameterType, DurableJson.Options));
        }
        return (ActivityNames.Of(method.Method), json.Append(']').ToString());
    }

    private static object? Evaluate(Expression expression) => expression switch
    {
        ConstantExpression constant => constant.Value,
        MemberExpression { Member: FieldInfo field } member => field.GetValue(member.Expression is null ? null : Evaluate(member.Expression)),
        MemberExpression { Member: PropertyInfo property } member => property.GetValue(member.Expression is null ? null : Evaluate(member.Expression)),
        UnaryExpression { NodeType: ExpressionType.Convert } convert when convert.Operand is ConstantExpression or MemberExpression
            => ConvertValue(Evaluate(convert.Operand), convert.Type),
        _ => Expression.Lambda<Func<object?>>(Expression.Convert(expression, typeof(object))).Compile(preferInterpretation: true)(),
    };

    private static object? ConvertValue(object? value, Type type) =>
        value is null || type.IsInstanceOfType(value) ? value : Expression.Lambda<Func<object?>>(
            Expression.Convert(Expression.Convert(Expression.Constant(value), type), typeof(object))).Compile(preferInterpretation: true)();
}

/// <summary>One activity method, invokable with JSON arguments on an instance resolved from DI.</summary>
internal sealed class ActivityMethod
{
    private readonly MethodInfo _method;
    private readonly ParameterInfo[] _parameters;
    private readonly PropertyInfo? _resultProperty;
    private readonly Type? _resultType;

    public ActivityMethod(Type activityType, MethodInfo method)
    {
        ActivityType = activityType;
        _method = method;
        _parameters = method.GetParameters();
        Name = ActivityNames.Of(method);
        if (method.ReturnType.IsGenericType && method.ReturnType.GetGenericTypeDefinition() == typeof(Task<>))
        {
            _resultType = method.ReturnType.GetGenericArguments()[0];
            _resultProperty = method.ReturnType.GetProperty(nameof(Task<int>.Result));
        }
    }

    public string Name { get; }
    public Type ActivityType { get; }

    public async Task<string?> InvokeAsync(object instance, string? arguments, CancellationToken cancellationToken)
    {
        using var document = JsonDocument.Parse(arguments ?? "[]");
        var values = document.RootElement.EnumerateArray().ToList();
        var args = new object?[_parameters.Length];
        var next = 0;
        for (var i = 0; i < _parameters.Length; i++)
        {
            var type = _parameters[i].ParameterType;
            args[i] = type == typeof(CancellationToken)
                ? cancellationToken
                : next < values.Count ? values[next++].Deserialize(type, DurableJson.Options) : _parameters[i].DefaultValue;
        }
        Task task;
        try
        {
            task = (Task)_method.Invoke(instance, args)!;
        }
        catch (TargetInvocationException ex) when (ex.InnerException is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(ex.InnerException);
            throw;
        }
        await task;
        return _resultProperty is null ? null : JsonSerializer.Serialize(_resultProperty.GetValue(task), _resultType!, DurableJson.Options);
    }
}

/// <summary>What the worker knows how to run.</summary>
internal sealed class DurableRegistry
{
    private readonly Dictionary<string, IWorkflowDefinition> _workflows = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ActivityMethod> _activities = new(StringComparer.Ordinal);

    public void AddWorkflow(Type workflowType)
    {
        var definition = WorkflowNames.CreateDefinition(workflowType);
        _workflows[definition.Name] = definition;
    }

    public void AddActivities(Type activityType)
    {
        foreach (var method in activityType.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly))
        {
            if (typeof(Task).IsAssignableFrom(method.ReturnType) && !method.IsSpecialName)
            {
                var activity = new ActivityMethod(activityType, method);
                _activities[activity.Name] = activity;
            }
        }
    }

    public IWorkflowDefinition? FindWorkflow(string name) => _workflows.GetValueOrDefault(name);

    public ActivityMethod? FindActivity(string name) => _activities.GetValueOrDefault(name);

    public IEnumerable<string> RegisteredWorkflows => _workflows.Keys;
}
