namespace Durable.CrashHost;

public sealed record CrashSummary(int Steps, int Timers, int Total);

/// <summary>Five ledger steps with short durable timers between some of them; nothing external to wait for.</summary>
public sealed class CrashWorkflow : Workflow<int, CrashSummary>
{
    public const int Steps = 5;
    public const int Timers = 2;

    public override async Task<CrashSummary> RunAsync(WorkflowContext context, int input)
    {
        var total = 0;
        var timers = 0;
        for (var step = 1; step <= Steps; step++)
        {
            total += await context.ExecuteActivityAsync((LedgerActivities a) => a.StepAsync(step));
            // A timer after steps 1 and 3, so a kill can also land while a timer is pending.
            if (step % 2 == 1 && step < Steps)
            {
                await context.DelayAsync(TimeSpan.FromMilliseconds(context.Random.Next(50, 201)));
                timers++;
            }
        }
        return new CrashSummary(Steps, timers, total);
    }
}
