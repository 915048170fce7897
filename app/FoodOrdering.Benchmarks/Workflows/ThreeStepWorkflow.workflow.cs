using Durable;

namespace FoodOrdering.Benchmarks.Workflows;

/// <summary>The throughput workload: three sequential activities, like charge, prepare, deliver.</summary>
public sealed class ThreeStepWorkflow : Workflow<int, int>
{
    public override async Task<int> RunAsync(WorkflowContext context, int input)
    {
        var first = await context.ExecuteActivityAsync((BenchmarkActivities a) => a.AddOneAsync(input));
        var second = await context.ExecuteActivityAsync((BenchmarkActivities a) => a.AddOneAsync(first));
        return await context.ExecuteActivityAsync((BenchmarkActivities a) => a.AddOneAsync(second));
    }
}
