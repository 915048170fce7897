using System.Reflection;
using Durable.Runtime;

namespace Durable;

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
