using Durable;

namespace FoodOrdering.Benchmarks.Workflows;

/// <summary>One activity that waits at a gate, then completes: a workflow caught mid-work by a restart.</summary>
public sealed class GatedWorkflow : Workflow<int, int>
{
    public const string WaitingStatus = "waiting";

    public override async Task<int> RunAsync(WorkflowContext context, int input)
    {
        context.SetStatus(WaitingStatus);
        return await context.ExecuteActivityAsync((GateActivities a) => a.PassAsync(input));
    }
}
