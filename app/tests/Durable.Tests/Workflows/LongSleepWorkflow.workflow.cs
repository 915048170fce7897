namespace Durable.Tests.Workflows;

public sealed record SleepResult(DateTimeOffset Before, DateTimeOffset After);

/// <summary>Sleeps for the given time on a durable timer.</summary>
public sealed class LongSleepWorkflow : Workflow<TimeSpan, SleepResult>
{
    public override async Task<SleepResult> RunAsync(WorkflowContext context, TimeSpan input)
    {
        var before = context.UtcNow;
        await context.DelayAsync(input);
        return new SleepResult(before, context.UtcNow);
    }
}
