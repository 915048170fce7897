using Durable;

namespace FoodOrdering.Benchmarks.Workflows;

/// <summary>
/// Runs <c>input</c> no-op activities one after another. Its history has 3 events per activation
/// (ActivationStarted, the result, the next schedule): 3 × (steps + 1) events in all.
/// </summary>
public sealed class SequentialStepsWorkflow : Workflow<int, int>
{
    public override async Task<int> RunAsync(WorkflowContext context, int input)
    {
        for (var i = 0; i < input; i++)
        {
            var step = i;
            await context.ExecuteActivityAsync((BenchmarkActivities a) => a.StepAsync(step));
        }
        return input;
    }

    /// <summary>The number of steps whose history has at least <paramref name="events"/> events.</summary>
    public static int StepsForEvents(int events) => Math.Max(1, (events + 2) / 3 - 1);

    public static int EventsForSteps(int steps) => 3 * (steps + 1);
}
