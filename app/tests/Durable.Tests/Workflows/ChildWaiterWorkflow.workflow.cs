namespace Durable.Tests.Workflows;

/// <summary>Waits on an <see cref="AwaitSignalWorkflow"/> child and returns its result, catching nothing.</summary>
public sealed class ChildWaiterWorkflow : Workflow<string, string>
{
    public override async Task<string> RunAsync(WorkflowContext context, string input) =>
        await context.ExecuteChildWorkflowAsync<AwaitSignalWorkflow, string, string>($"{context.WorkflowId}-child", input);
}
