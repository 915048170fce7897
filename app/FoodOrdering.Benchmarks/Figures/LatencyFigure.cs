using System.Diagnostics;
using FoodOrdering.Benchmarks.Infrastructure;
using FoodOrdering.Benchmarks.Workflows;
using Microsoft.Extensions.DependencyInjection;

namespace FoodOrdering.Benchmarks.Figures;

/// <summary>
/// One workflow running K no-op activities in sequence on an otherwise idle engine. The activity
/// stamps its start time; the gap between two starts is one round trip (result committed, workflow
/// woken, claimed, activated, its next command committed, the activity claimed and started).
/// Nothing polls the engine while it runs: the benchmark waits on the recorder.
/// </summary>
public sealed class LatencyFigure : IFigure
{
    public const string FigureName = "latency";
    private const double TargetP50 = 1;
    private const double TargetP99 = 5;

    public string Name => FigureName;
    public string Title => "activity round trip p50 / p99 (light load)";

    public string Size(BenchmarkSettings settings) => $"{settings.LatencySteps:N0} activities in one workflow";

    public async Task<FigureResult> RunAsync(BenchmarkContext context)
    {
        var steps = context.Settings.LatencySteps;
        context.Progress.Line($"[{Name}] one workflow of {steps:N0} sequential no-op activities");
        await using var engine = await BenchmarkEngine.StartAsync(context.NewFolder(Name),
            b => b.AddWorkflow<SequentialStepsWorkflow>().AddActivities<BenchmarkActivities>(),
            s => s.AddSingleton<ActivityRecorder>());
        var recorder = engine.Services.GetRequiredService<ActivityRecorder>();

        await RunAsync(engine, recorder, "latency-warmup", Math.Min(steps, 100));
        var before = engine.CommitStatistics;
        var total = await RunAsync(engine, recorder, "latency-1", steps);
        var after = engine.CommitStatistics;
        var trips = recorder.RoundTripsMilliseconds();
        if (trips.Length == 0)
        {
            throw new InvalidOperationException("The recorder missed an activity start.");
        }

        var p50 = Statistics.Percentile(trips, 50);
        var p99 = Statistics.Percentile(trips, 99);
        context.Progress.Line($"[{Name}] p50 {p50:N2} ms, p99 {p99:N2} ms, mean {trips.Average():N2} ms");
        // A round trip commits twice (the activity's result, then the activation that schedules the next one).
        var floor = context.RawCommitsPerSecond is { } raw ? 2_000 / raw : (double?)null;
        return new FigureResult(Title, $"p50 {p50:N2} ms / p99 {p99:N2} ms", $"p50 <= {TargetP50:N0} ms, p99 <= {TargetP99:N0} ms",
            floor is { } f ? $"{f:N3} ms (2 raw commits)" : "—", floor is { } fl ? $"p50 {p50 / fl:N0}× / p99 {p99 / fl:N0}× the floor" : "—")
        {
            TargetMet = p50 <= TargetP50 && p99 <= TargetP99,
            Notes =
            [
                $"{steps:N0} sequential activities: start of the first to start of the last {total.TotalMilliseconds:N0} ms = {total.TotalMilliseconds / (steps - 1):N3} ms per round trip (total / K); " +
                $"from the {trips.Length:N0} measured gaps: mean {trips.Average():N3} ms, p90 {Statistics.Percentile(trips, 90):N3} ms, max {trips.Max():N2} ms.",
                $"{after.Writes - before.Writes:N0} writes in {after.Batches - before.Batches:N0} transactions while it ran (a round trip is 2 writes).",
            ],
        };
    }

    /// <summary>Runs the workflow and returns the time from its first activity's start to its last one's.</summary>
    private static async Task<TimeSpan> RunAsync(BenchmarkEngine engine, ActivityRecorder recorder, string workflowId, int steps)
    {
        recorder.Reset(steps);
        await engine.Client.StartAsync<SequentialStepsWorkflow, int, int>(workflowId, steps);
        var timeout = TimeSpan.FromSeconds(Math.Max(60, steps / 20));
        await recorder.AllMarked.WaitAsync(timeout);
        await engine.Client.GetResultAsync<int>(workflowId).WaitAsync(timeout);
        return recorder.FirstToLast;
    }
}
