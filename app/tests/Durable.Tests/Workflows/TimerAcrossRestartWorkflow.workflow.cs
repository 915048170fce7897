namespace Durable.Tests.Workflows;

/// <summary>
/// Starts a timer and, next to it, an activity the test holds: a running activity keeps the test clock
/// from skipping ahead, so the timer is still pending when the test restarts the engine.
/// </summary>
public sealed class TimerAcrossRestartWorkflow : Workflow<TimeSpan, SleepResult>
{
    public override async Task<SleepResult> RunAsync(WorkflowContext context, TimeSpan input)
    {
        var before = context.UtcNow;
        var timer = context.DelayAsync(input);
        await context.ExecuteActivityAsync((GateActivities g) => g.HoldAsync("held", CancellationToken.None));
        await timer;
        return new SleepResult(before, context.UtcNow);
    }
}
