using System.Diagnostics;
using Durable.Storage;
using FoodOrdering.Benchmarks.Infrastructure;
using FoodOrdering.Benchmarks.Workflows;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FoodOrdering.Benchmarks.Figures;

/// <summary>
/// N workflows caught mid-work: each has scheduled an activity, and the engine stops while those
/// activities run or wait to run (the running ones are abandoned after a one-second drain, as at a
/// crash). A new engine then opens the same store; the clock runs from its start until every
/// workflow's activity has started again (progressing), and until every workflow has completed.
/// The baseline is the same engine start on an empty store, until one workflow's activity starts.
/// </summary>
public sealed class RestartFigure : IFigure
{
    public const string FigureName = "restart";
    private const double TargetSeconds = 5;
    private const string IdPrefix = "gated-";

    public string Name => FigureName;
    public string Title => "restart with workflows in flight";

    public string Size(BenchmarkSettings settings) => $"{settings.InFlight:N0} workflows in flight";

    public async Task<FigureResult> RunAsync(BenchmarkContext context)
    {
        var count = context.Settings.InFlight;
        context.Progress.Line($"[{Name}] {count:N0} workflows in flight, then a restart");
        var baseline = await StartToFirstActivityAsync(context.NewFolder(Name + "-empty"), 1);

        var folder = context.NewFolder(Name);
        var gate = new Gate();
        var recorder = new ActivityRecorder();
        long position;
        await using (var first = await StartEngineAsync(folder, gate, recorder))
        {
            await using (var waiting = await ChangeCounter.StartAsync(first, IdPrefix, c => c.Kind == WorkflowChangeKind.StatusChanged))
            {
                await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 64 }, async (i, ct) =>
                    await first.Client.StartAsync<GatedWorkflow, int, int>($"{IdPrefix}{i}", i, cancellationToken: ct));
                await waiting.WaitForAsync(count, TimeSpan.FromSeconds(Math.Max(60, count / 100)), context.Progress, "waiting on their activity");
            }
            position = await first.Engine.Store.GetLastChangeSequenceAsync(CancellationToken.None);
        }
        context.Progress.Line($"[{Name}] stopped with {count:N0} workflows waiting on their activity; restarting");

        gate.IsOpen = true;
        recorder.Reset(count);
        var started = Stopwatch.GetTimestamp();
        await using var second = await StartEngineAsync(folder, gate, recorder);
        await using var completed = await ChangeCounter.StartAsync(second, IdPrefix, ChangeCounter.IsCompleted, afterSequence: position);
        await recorder.AllMarked.WaitAsync(TimeSpan.FromSeconds(Math.Max(60, count / 100)));
        var progressing = Stopwatch.GetElapsedTime(started);
        await completed.WaitForAsync(count, TimeSpan.FromSeconds(Math.Max(60, count / 100)), context.Progress, "completed");
        var done = Stopwatch.GetElapsedTime(started);

        context.Progress.Line($"[{Name}] all {count:N0} progressing after {progressing.TotalSeconds:N2} s, completed after {done.TotalSeconds:N2} s");
        return new FigureResult($"restart with {count:N0} workflows in flight", $"all progressing after {progressing.TotalSeconds:N2} s",
            $"<= {TargetSeconds:N0} s", $"{baseline.TotalMilliseconds:N0} ms (start on an empty store)", $"{progressing / baseline:N0}× the empty start")
        {
            TargetMet = progressing.TotalSeconds <= TargetSeconds,
            Notes =
            [
                $"{count:N0} workflows each waiting on one activity when the engine stopped (at most {second.Options.MaxConcurrentActivities} running, abandoned after a 1 s drain; the rest queued); " +
                $"the new engine rebuilt its index of due work from the store, re-ran every activity (all started {progressing.TotalSeconds:N2} s after its start) and completed every workflow after {done.TotalSeconds:N2} s, replaying each one's history on its first activation (the cache starts empty).",
            ],
        };
    }

    private static Task<BenchmarkEngine> StartEngineAsync(string folder, Gate gate, ActivityRecorder recorder) =>
        BenchmarkEngine.StartAsync(folder, b => b.AddWorkflow<GatedWorkflow>().AddActivities<GateActivities>(),
            // The abandoned activities are the point of the figure: one warning each would only slow it down.
            s => s.AddSingleton(gate).AddSingleton(recorder).AddLogging(b => b.AddFilter("Durable.Hosting.DurableWorker", LogLevel.Error)),
            o => o.DrainTimeout = TimeSpan.FromSeconds(1));

    private static async Task<TimeSpan> StartToFirstActivityAsync(string folder, int count)
    {
        var gate = new Gate { IsOpen = true };
        var recorder = new ActivityRecorder();
        recorder.Reset(count);
        var started = Stopwatch.GetTimestamp();
        await using var engine = await StartEngineAsync(folder, gate, recorder);
        await engine.Client.StartAsync<GatedWorkflow, int, int>("empty-0", 0);
        await recorder.AllMarked.WaitAsync(TimeSpan.FromSeconds(30));
        return Stopwatch.GetElapsedTime(started);
    }
}
