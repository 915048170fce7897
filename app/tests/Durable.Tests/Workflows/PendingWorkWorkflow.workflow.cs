namespace Durable.Tests.Workflows;

/// <summary>Leaves one of everything pending for Describe: a timer, a failing activity between retries, a child, and a signal wait.</summary>
public sealed class PendingWorkWorkflow : Workflow<string, string>
{
    public const string Go = "go";

    private static readonly ActivityOptions SlowRetries = new() { RetryPolicy = new RetryPolicy { InitialInterval = TimeSpan.FromHours(1) } };

    public override async Task<string> RunAsync(WorkflowContext context, string input)
    {
        var timer = context.DelayAsync(TimeSpan.FromHours(1));
        var failing = context.ExecuteActivityAsync((FlakyActivities f) => f.AlwaysFailAsync(input), SlowRetries);
        await context.StartChildWorkflowAsync<AwaitSignalWorkflow, string, string>($"{context.WorkflowId}-child", "child");
        await context.WaitForSignalAsync(Go);
        await Task.WhenAll(timer, failing);
        return "done";
    }
}
