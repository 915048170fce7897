using Durable;

namespace FoodOrdering.Benchmarks.Workflows;

/// <summary>An order waiting for its delivery time: one status, one long durable timer.</summary>
public sealed class SleepingWorkflow : Workflow<int, int>
{
    public const string SleepingStatus = "sleeping";

    public override async Task<int> RunAsync(WorkflowContext context, int input)
    {
        context.SetStatus(SleepingStatus);
        await context.DelayAsync(TimeSpan.FromDays(1));
        return input;
    }
}
