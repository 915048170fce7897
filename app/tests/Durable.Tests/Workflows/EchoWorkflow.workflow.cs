namespace Durable.Tests.Workflows;

/// <summary>One activity, its result returned.</summary>
public sealed class EchoWorkflow : Workflow<string, string>
{
    public override async Task<string> RunAsync(WorkflowContext context, string input) =>
        await context.ExecuteActivityAsync((EchoActivities a) => a.EchoAsync(input));
}
