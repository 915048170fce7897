namespace Durable.Tests.Workflows;

/// <summary>Lets an activity that exhausted its retries fail the whole workflow.</summary>
public sealed class UncaughtActivityFailureWorkflow : Workflow<string, string>
{
    private static readonly ActivityOptions TwoAttempts = new() { RetryPolicy = new RetryPolicy { MaximumAttempts = 2 } };

    public override async Task<string> RunAsync(WorkflowContext context, string input) =>
        await context.ExecuteActivityAsync((FlakyActivities a) => a.AlwaysFailAsync(input), TwoAttempts);
}
