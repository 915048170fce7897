using FoodOrdering.Benchmarks.Infrastructure;

namespace FoodOrdering.Benchmarks.Figures;

/// <summary>What the figures of one run share: settings, the work folder (one file system for all), the baseline.</summary>
public sealed class BenchmarkContext(BenchmarkSettings settings, Progress progress, string workFolder)
{
    public BenchmarkSettings Settings { get; } = settings;
    public Progress Progress { get; } = progress;
    public string WorkFolder { get; } = workFolder;

    /// <summary>Raw SQLite single-row commits per second, once <see cref="RawSqliteFigure"/> has run.</summary>
    public double? RawCommitsPerSecond { get; set; }

    public string NewFolder(string name)
    {
        var folder = Path.Combine(WorkFolder, name);
        Directory.CreateDirectory(folder);
        return folder;
    }

    public string BaselineText =>
        RawCommitsPerSecond is { } raw ? $"{raw:N0} raw commits/s" : "— (raw-sqlite not run)";
}
