using System.Diagnostics;
using Durable;
using Durable.Testing;
using FoodOrdering.Benchmarks.Infrastructure;
using FoodOrdering.Benchmarks.Workflows;
using Microsoft.Extensions.DependencyInjection;

namespace FoodOrdering.Benchmarks.Figures;

/// <summary>
/// Replays a history recorded through the engine (sequential activities, ~10,000 events) with the
/// public <see cref="WorkflowReplayer"/>: what a cache miss costs beyond loading the events.
/// A Stopwatch loop with warm-up and the median of several runs: BenchmarkDotNet's process per
/// benchmark would take minutes for a number that is stable to a millisecond this way.
/// </summary>
public sealed class ReplayFigure : IFigure
{
    public const string FigureName = "replay";
    private const double TargetMilliseconds = 50;
    private const int WarmupRuns = 3;

    public string Name => FigureName;
    public string Title => "replay of a 10,000-event history";

    public string Size(BenchmarkSettings settings) => $"{settings.ReplayEvents:N0} events";

    public async Task<FigureResult> RunAsync(BenchmarkContext context)
    {
        var steps = SequentialStepsWorkflow.StepsForEvents(context.Settings.ReplayEvents);
        context.Progress.Line($"[{Name}] recording a history of ~{SequentialStepsWorkflow.EventsForSteps(steps):N0} events ({steps:N0} sequential activities)");
        await using var engine = await BenchmarkEngine.StartAsync(context.NewFolder(Name),
            b => b.AddWorkflow<SequentialStepsWorkflow>().AddActivities<BenchmarkActivities>(),
            s => s.AddSingleton<ActivityRecorder>());
        var recorder = engine.Services.GetRequiredService<ActivityRecorder>();
        const string workflowId = "replay-1";
        var recording = Stopwatch.GetTimestamp();
        recorder.Reset(steps);
        await engine.Client.StartAsync<SequentialStepsWorkflow, int, int>(workflowId, steps);
        var timeout = TimeSpan.FromSeconds(Math.Max(60, steps / 20));
        await recorder.AllMarked.WaitAsync(timeout);
        await engine.Client.GetResultAsync<int>(workflowId).WaitAsync(timeout);
        var recorded = Stopwatch.GetElapsedTime(recording);

        var loads = new List<double>();
        IReadOnlyList<HistoryEvent> history = [];
        for (var i = 0; i < WarmupRuns + context.Settings.ReplayRuns; i++)
        {
            var started = Stopwatch.GetTimestamp();
            history = await engine.Client.GetHistoryAsync(workflowId);
            if (i >= WarmupRuns)
            {
                loads.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
        }
        context.Progress.Line($"[{Name}] recorded {history.Count:N0} events in {recorded.TotalSeconds:N1} s; replaying {WarmupRuns} + {context.Settings.ReplayRuns} times");

        var replays = new List<double>();
        for (var i = 0; i < WarmupRuns + context.Settings.ReplayRuns; i++)
        {
            var started = Stopwatch.GetTimestamp();
            WorkflowReplayer.Replay<SequentialStepsWorkflow>(history);
            if (i >= WarmupRuns)
            {
                replays.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
        }
        var median = Statistics.Median(replays);
        var load = Statistics.Median(loads);
        context.Progress.Line($"[{Name}] median {median:N1} ms (min {replays.Min():N1}, max {replays.Max():N1})");
        return new FigureResult($"replay of a {history.Count:N0}-event history", $"{median:N1} ms (median)", $"<= {TargetMilliseconds:N0} ms",
            $"{load:N1} ms to load it from SQLite", $"{median / load:N2}× the load")
        {
            TargetMet = median <= TargetMilliseconds,
            Notes =
            [
                $"History of {history.Count:N0} events ({steps:N0} sequential activities) recorded through the engine in {recorded.TotalSeconds:N1} s, replayed with WorkflowReplayer: " +
                $"{WarmupRuns} warm-up runs, then {replays.Count} runs: median {median:N2} ms, min {replays.Min():N2} ms, max {replays.Max():N2} ms ({median * 1000 / history.Count:N2} µs per event).",
                $"Baseline: DurableClient.GetHistoryAsync of the same run (SQLite read + event JSON), median of {loads.Count}; a cache miss pays load + replay.",
            ],
        };
    }
}
