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
