using Durable;

namespace FoodOrdering.Benchmarks.Workflows;

/// <summary>Sleeps until a given instant and returns how late its code ran after it, in milliseconds.</summary>
public sealed class AlarmWorkflow : Workflow<DateTimeOffset, double>
{
    public override async Task<double> RunAsync(WorkflowContext context, DateTimeOffset input)
    {
        context.SetStatus(SleepingWorkflow.SleepingStatus);
        await context.DelayUntilAsync(input);
        return (context.UtcNow - input).TotalMilliseconds;
    }
}
