namespace Durable.Tests.Workflows;

/// <summary>Runs <see cref="ChildEchoWorkflow"/> and reports its result or its failure.</summary>
public sealed class ChildCallerWorkflow : Workflow<string, string>
{
    public override async Task<string> RunAsync(WorkflowContext context, string input)
    {
        try
        {
            var result = await context.ExecuteChildWorkflowAsync<ChildEchoWorkflow, string, string>($"{context.WorkflowId}-child", input);
            return "child said " + result;
        }
        catch (ChildWorkflowFailedException ex)
        {
            return $"child {ex.WorkflowId} failed: {ex.Error.Type}: {ex.Error.Message}";
        }
    }
}
