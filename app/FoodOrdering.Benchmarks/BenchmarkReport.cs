using System.Text;
using FoodOrdering.Benchmarks.Figures;
using FoodOrdering.Benchmarks.Infrastructure;

namespace FoodOrdering.Benchmarks;

/// <summary>The results table with its notes and environment, as markdown (also readable in a console).</summary>
public sealed record BenchmarkReport(BenchmarkEnvironment Environment, IReadOnlyList<FigureResult> Results)
{
    /// <summary>With --growth: each figure at a tenth of its size (1x) next to its full size (10x, the main table).</summary>
    public IReadOnlyList<GrowthRow> Growth { get; init; } = [];

    public bool AllSucceeded => Results.Concat(Growth.Select(g => g.Small)).All(r => !r.Measured.StartsWith("FAILED", StringComparison.Ordinal));

    public string Table() =>
        Render(["figure", "measured", "target", "baseline", "ratio"], Results.Select(r => new[] { r.Figure, r.Measured, TargetCell(r), r.Baseline, r.Ratio }));

    public string Markdown()
    {
        var e = Environment;
        var text = new StringBuilder();
        text.AppendLine("# Durable benchmark results").AppendLine();
        text.AppendLine($"Run {e.StartedAt:yyyy-MM-dd HH:mm:ss zzz}, {e.Mode} mode, {e.Configuration} build, took {e.Duration.TotalSeconds:N0} s.").AppendLine();
        text.AppendLine(Table());
        if (Growth.Count > 0)
        {
            text.AppendLine("## Cost of growth").AppendLine();
            text.AppendLine("Each figure run again with every count divided by ten (1x), after the table above (10x) in the same process; the 1x memory figure therefore carries the other figures' garbage.").AppendLine();
            text.AppendLine(GrowthTable());
        }
        text.AppendLine("## How each figure was measured").AppendLine();
        foreach (var result in Results)
        {
            text.AppendLine($"- **{result.Figure}**");
            foreach (var note in result.Notes)
            {
                text.AppendLine($"  - {note}");
            }
        }
        text.AppendLine().AppendLine("## Machine").AppendLine();
        text.AppendLine($"- {e.Cores} cores, {e.Os}, {e.Runtime}, GC {e.Gc}");
        text.AppendLine($"- Stores in {e.WorkFolder} ({e.FileSystem}), one folder per figure, deleted afterwards");
        text.AppendLine($"- Load average (1, 5, 15 min) before: {e.LoadBefore}; after: {e.LoadAfter}. The machine is shared: other work running at the same time lowers every number.");
        return text.ToString();
    }

    public string GrowthTable() =>
        Render(["figure", "1x", "measured at 1x", "10x", "measured at 10x"],
            Growth.Select(g => new[] { g.Large.Figure, g.SmallSize, g.Small.Measured, g.LargeSize, g.Large.Measured }));

    /// <summary>A markdown table whose columns are as wide as their widest cell, so it reads as well in a terminal.</summary>
    private static string Render(string[] header, IEnumerable<string[]> cells)
    {
        var rows = cells.ToList();
        var widths = header.Select((h, i) => rows.Select(r => r[i].Length).Append(h.Length).Max()).ToArray();
        var text = new StringBuilder();
        text.AppendLine(Line(header, widths));
        text.AppendLine(Line([.. widths.Select(w => new string('-', w))], widths));
        foreach (var row in rows)
        {
            text.AppendLine(Line(row, widths));
        }
        return text.ToString();
    }

    private static string TargetCell(FigureResult r) => r.TargetMet switch
    {
        true => $"{r.Target} (met)",
        false when r.Target.Length > 0 => $"{r.Target} (MISSED)",
        _ => r.Target,
    };

    private static string Line(string[] cells, int[] widths) =>
        "| " + string.Join(" | ", cells.Select((c, i) => c.Replace("|", "\\|", StringComparison.Ordinal).PadRight(widths[i]))) + " |";
}

/// <summary>One figure at two sizes.</summary>
public sealed record GrowthRow(string SmallSize, FigureResult Small, string LargeSize, FigureResult Large);
