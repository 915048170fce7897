using System.Reflection;

namespace Durable.Runtime;

/// <summary>A registered workflow type: how to make one and run it with JSON in and out.</summary>
internal interface IWorkflowDefinition
{
    string Name { get; }
    Type WorkflowType { get; }
    Task<string?> RunAsync(WorkflowContext context, string? input);
}

internal sealed class WorkflowDefinition<TWorkflow, TInput, TResult> : IWorkflowDefinition
    where TWorkflow : Workflow<TInput, TResult>, new()
{
    public string Name { get; } = WorkflowNames.Of<TWorkflow>();

    public Type WorkflowType => typeof(TWorkflow);

    public async Task<string?> RunAsync(WorkflowContext context, string? input)
    {
        var workflow = new TWorkflow();
        var result = await workflow.RunAsync(context, DurableJson.Deserialize<TInput>(input));
        return DurableJson.Serialize(result);
    }
}

public static class WorkflowNames
{
    public static string Of(Type workflowType) =>
        workflowType.GetCustomAttribute<WorkflowNameAttribute>()?.Name ?? workflowType.Name;

    public static string Of<TWorkflow>() => Of(typeof(TWorkflow));

    internal static IWorkflowDefinition CreateDefinition(Type workflowType)
    {
        var baseType = workflowType.BaseType;
        while (baseType is not null && !(baseType.IsGenericType && baseType.GetGenericTypeDefinition() == typeof(Workflow<,>)))
        {
            baseType = baseType.BaseType;
        }
        if (baseType is null || workflowType.IsAbstract || workflowType.GetConstructor(Type.EmptyTypes) is null)
        {
            throw new ArgumentException($"{workflowType.Name} must be a concrete class deriving from Workflow<TInput, TResult> with a parameterless constructor.");
        }
        var args = baseType.GetGenericArguments();
        var definitionType = typeof(WorkflowDefinition<,,>).MakeGenericType(workflowType, args[0], args[1]);
        return (IWorkflowDefinition)Activator.CreateInstance(definitionType)!;
    }
}
