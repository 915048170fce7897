namespace FoodOrdering.Benchmarks.Figures;

/// <summary>One row of the results table: a workload, run on its own store in the run's work folder.</summary>
public interface IFigure
{
    /// <summary>The name used by --only.</summary>
    string Name { get; }

    /// <summary>What the row measures, as shown in the table.</summary>
    string Title { get; }

    /// <summary>How big the workload is with <paramref name="settings"/>, for the cost-of-growth table.</summary>
    string Size(BenchmarkSettings settings);

    Task<FigureResult> RunAsync(BenchmarkContext context);
}

/// <summary>A row of the table; <see cref="TargetMet"/> is null for a row without a target.</summary>
public sealed record FigureResult(string Figure, string Measured, string Target, string Baseline, string Ratio)
{
    public bool? TargetMet { get; init; }

    /// <summary>How the number was obtained and what else was seen: printed under the table.</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];

    public static FigureResult Failed(IFigure figure, Exception error) =>
        new(figure.Title, $"FAILED: {error.GetType().Name}: {error.Message}", "", "", "") { TargetMet = false };
}
