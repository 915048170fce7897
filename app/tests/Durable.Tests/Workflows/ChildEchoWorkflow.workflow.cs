namespace Durable.Tests.Workflows;

/// <summary>A child that upper-cases its input through an activity, or fails on purpose when the input starts with "fail".</summary>
public sealed class ChildEchoWorkflow : Workflow<string, string>
{
    public override async Task<string> RunAsync(WorkflowContext context, string input)
    {
        if (input.StartsWith("fail", StringComparison.Ordinal))
        {
            throw new ApplicationFailureException("child failed on purpose", "ChildBroke");
        }
        return await context.ExecuteActivityAsync((EchoActivities e) => e.EchoAsync(input.ToUpperInvariant()));
    }
}
