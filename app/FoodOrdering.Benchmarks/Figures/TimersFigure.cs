using System.Diagnostics;
using Durable.Storage;
using FoodOrdering.Benchmarks.Infrastructure;
using FoodOrdering.Benchmarks.Workflows;

namespace FoodOrdering.Benchmarks.Figures;

/// <summary>
/// N workflows asleep on timers that fall due within the same second, spread evenly over it. Each
/// returns how late its code ran after its due time (its activation's clock minus the due time): the
/// fire lag, from the timer's due time to the workflow running again. The baseline is the lag of one timer alone on
/// the same, otherwise idle engine.
/// </summary>
public sealed class TimersFigure : IFigure
{
    public const string FigureName = "timers";
    private const double TargetP99 = 100;
    private const string IdPrefix = "alarm-";

    public string Name => FigureName;
    public string Title => "timers due in the same second: fire lag";

    public string Size(BenchmarkSettings settings) => $"{settings.Timers:N0} timers";

    public async Task<FigureResult> RunAsync(BenchmarkContext context)
    {
        var count = context.Settings.Timers;
        context.Progress.Line($"[{Name}] {count:N0} workflows asleep until the same second");
        await using var engine = await BenchmarkEngine.StartAsync(context.NewFolder(Name), b => b.AddWorkflow<AlarmWorkflow>());

        var alone = new List<double>();
        for (var i = 0; i < 5; i++)
        {
            var at = DateTimeOffset.UtcNow.AddMilliseconds(200);
            await engine.Client.StartAsync<AlarmWorkflow, DateTimeOffset, double>($"alone-{i}", at);
            alone.Add(await engine.Client.GetResultAsync<double>($"alone-{i}"));
        }
        var baseline = Statistics.Median(alone);

        // A first, smaller second of timers warms the engine up (JIT), as a running host is.
        await FireAsync(engine, "warmup-", Math.Max(1, count / 5), context.Progress);
        var (lags, margin) = await FireAsync(engine, IdPrefix, count, context.Progress);

        var p50 = Statistics.Percentile(lags, 50);
        var p99 = Statistics.Percentile(lags, 99);
        context.Progress.Line($"[{Name}] fire lag p50 {p50:N1} ms, p99 {p99:N1} ms, max {lags.Max():N1} ms (one timer alone: {baseline:N1} ms)");
        return new FigureResult($"{count:N0} timers due in the same second: fire lag", $"p50 {p50:N1} ms / p99 {p99:N1} ms", $"p99 <= {TargetP99:N0} ms",
            $"{baseline:N1} ms (one timer alone)", $"p99 {p99 / Math.Max(baseline, 0.1):N0}× one timer")
        {
            TargetMet = p99 <= TargetP99,
            Notes =
            [
                $"After a warm-up second of {Math.Max(1, count / 5):N0} timers, {count:N0} workflows started and asleep {margin.TotalSeconds:N1} s before the second in which their timers fall due ({count:N0} per second, evenly spread); the lag is each workflow's own clock when it ran again minus the due time: max {lags.Max():N1} ms, mean {lags.Average():N1} ms.",
                $"Baseline: median lag of 5 single timers on the same engine while idle ({string.Join(", ", alone.Select(a => a.ToString("N1", System.Globalization.CultureInfo.InvariantCulture)))} ms).",
            ],
        };
    }

    /// <summary>Puts N workflows to sleep until one second a little ahead, spread evenly over it, and returns their lags once all ran.</summary>
    private static async Task<(double[] Lags, TimeSpan Margin)> FireAsync(BenchmarkEngine engine, string prefix, int count, Progress progress)
    {
        // Far enough ahead that every workflow is asleep before it: starts run at a few thousand per second.
        var due = DateTimeOffset.UtcNow + TimeSpan.FromSeconds(1 + count / 500.0);
        await using (var asleep = await ChangeCounter.StartAsync(engine, prefix, c => c.Kind == WorkflowChangeKind.StatusChanged))
        {
            await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 64 }, async (i, ct) =>
                await engine.Client.StartAsync<AlarmWorkflow, DateTimeOffset, double>($"{prefix}{i}", due + TimeSpan.FromSeconds((double)i / count), cancellationToken: ct));
            await asleep.WaitForAsync(count, TimeSpan.FromSeconds(Math.Max(120, count / 50)), progress, "asleep");
        }
        var margin = due - DateTimeOffset.UtcNow;
        if (margin <= TimeSpan.Zero)
        {
            throw new InvalidOperationException($"The workflows were not all asleep before their timers fell due ({-margin.TotalMilliseconds:N0} ms late): the figure would measure the start burst.");
        }
        await using (var completed = await ChangeCounter.StartAsync(engine, prefix, ChangeCounter.IsCompleted))
        {
            await completed.WaitForAsync(count, margin + TimeSpan.FromSeconds(Math.Max(60, count / 100)), progress, "woken");
        }
        var lags = new double[count];
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, ct) =>
            lags[i] = await engine.Client.GetResultAsync<double>($"{prefix}{i}", ct));
        return (lags, margin);
    }
}
