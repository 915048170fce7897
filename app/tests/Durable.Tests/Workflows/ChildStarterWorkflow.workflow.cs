namespace Durable.Tests.Workflows;

/// <summary>Starts an <see cref="AwaitSignalWorkflow"/> child with the given close policy, never awaits it, and ends on a "done" signal.</summary>
public sealed class ChildStarterWorkflow : Workflow<ParentClosePolicy, string>
{
    public const string Done = "done";

    public override async Task<string> RunAsync(WorkflowContext context, ParentClosePolicy input)
    {
        var child = await context.StartChildWorkflowAsync<AwaitSignalWorkflow, string, string>(
            $"{context.WorkflowId}-child", "child", new ChildWorkflowOptions { ParentClosePolicy = input });
        await context.WaitForSignalAsync(Done);
        return child.WorkflowId;
    }
}
