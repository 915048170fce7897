using FoodOrdering.Benchmarks.Figures;
using FoodOrdering.Benchmarks.Infrastructure;

namespace FoodOrdering.Benchmarks;

/// <summary>Runs the chosen figures on one temporary folder (one file system) and collects their rows.</summary>
public sealed class BenchmarkRunner(BenchmarkSettings settings, Progress progress)
{
    /// <summary>All figures in table order.</summary>
    public static IReadOnlyList<IFigure> AllFigures { get; } =
        [
            new RawSqliteFigure(), new ThroughputFigure(), new LatencyFigure(), new SignalsFigure(), new TimersFigure(),
            new ReplayFigure(), new SleepingMemoryFigure(), new RestartFigure(), new PostgresFigure(), new EndToEndFigure(),
        ];

    public static IReadOnlyList<string> FigureNames { get; } = [.. AllFigures.Select(f => f.Name)];

    /// <summary>
    /// Runs the figures; with <paramref name="growth"/>, then again at a tenth of their size, for the cost-of-growth
    /// table (the full size first, so its memory figure still runs in a fresh process).
    /// </summary>
    public async Task<BenchmarkReport> RunAsync(IReadOnlyCollection<string> only, bool growth = false)
    {
        var large = await RunOnceAsync(only);
        if (!growth)
        {
            return large;
        }
        progress.Line("Cost of growth: every figure again at a tenth of its size");
        var tenth = settings.Tenth();
        var small = await new BenchmarkRunner(tenth, progress).RunOnceAsync(only);
        var figures = Selected(only);
        return large with
        {
            Growth = [.. figures.Select((f, i) => new GrowthRow(f.Size(tenth), small.Results[i], f.Size(settings), large.Results[i]))],
        };
    }

    private static List<IFigure> Selected(IReadOnlyCollection<string> only)
    {
        var selected = only.Count == 0 ? AllFigures : [.. AllFigures.Where(f => only.Contains(f.Name))];
        // Throughput, latency and signals are stated against the raw baseline, so it runs with them.
        if (selected.Any(f => f.Name is ThroughputFigure.FigureName or LatencyFigure.FigureName or SignalsFigure.FigureName) && selected.All(f => f.Name != RawSqliteFigure.FigureName))
        {
            selected = [AllFigures[0], .. selected];
        }
        return [.. selected];
    }

    private async Task<BenchmarkReport> RunOnceAsync(IReadOnlyCollection<string> only)
    {
        var selected = Selected(only);
        // Memory first, in a process with nothing else behind it yet; then the baseline right before the engine figures it scales.
        var order = selected.OrderBy(f => f.Name == SleepingMemoryFigure.FigureName ? 0 : 1).ToList();

        var workFolder = Path.Combine(Path.GetTempPath(), "durable-benchmark", Guid.NewGuid().ToString("N"));
        var environment = BenchmarkEnvironment.Capture(workFolder, settings);
        progress.Line($"Work folder {workFolder} ({environment.FileSystem}); load average {environment.LoadBefore}");
        var context = new BenchmarkContext(settings, progress, workFolder);
        var results = new Dictionary<IFigure, FigureResult>();
        try
        {
            foreach (var figure in order)
            {
                try
                {
                    results[figure] = await figure.RunAsync(context);
                }
                catch (Exception ex)
                {
                    progress.Line($"[{figure.Name}] FAILED: {ex}");
                    results[figure] = FigureResult.Failed(figure, ex);
                }
            }
        }
        finally
        {
            TryDelete(workFolder);
        }
        return new BenchmarkReport(environment.Finish(), [.. selected.Select(f => results[f])]);
    }

    private static void TryDelete(string folder)
    {
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is harmless.
        }
    }
}
