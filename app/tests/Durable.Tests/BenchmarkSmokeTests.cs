using FoodOrdering.Benchmarks;
using FoodOrdering.Benchmarks.Figures;
using FoodOrdering.Benchmarks.Infrastructure;

namespace Durable.Tests;

/// <summary>The benchmark's figures, run with tiny counts: they work and fill every column. No timing is asserted.</summary>
public sealed class BenchmarkSmokeTests
{
    [Fact]
    public async Task RunAsync_TinyCountsAllFigures_EveryFigureReportsARow()
    {
        var report = await new BenchmarkRunner(BenchmarkSettings.Tiny, Progress.Silent).RunAsync([]);

        Assert.True(report.AllSucceeded, report.Table());
        Assert.Equal(BenchmarkRunner.FigureNames.Count, report.Results.Count);
        Assert.All(report.Results, r => Assert.NotEmpty(r.Measured));
        Assert.All(report.Results, r => Assert.NotEmpty(r.Notes));
        var markdown = report.Markdown();
        Assert.Contains("| figure", markdown, StringComparison.Ordinal);
        Assert.Contains("Load average", markdown, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_OnlyThroughput_AddsTheRawBaselineItIsComparedWith()
    {
        var report = await new BenchmarkRunner(BenchmarkSettings.Tiny, Progress.Silent).RunAsync([ThroughputFigure.FigureName]);

        Assert.True(report.AllSucceeded, report.Table());
        Assert.Equal(2, report.Results.Count);
        Assert.DoesNotContain("not run", report.Results[1].Baseline, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_Growth_ReportsEachFigureAtBothSizes()
    {
        var report = await new BenchmarkRunner(BenchmarkSettings.Tiny, Progress.Silent).RunAsync([ReplayFigure.FigureName], growth: true);

        Assert.True(report.AllSucceeded, report.Table());
        var row = Assert.Single(report.Growth);
        Assert.Equal(report.Results[0], row.Large);
        Assert.NotEmpty(row.Small.Measured);
        Assert.Contains("Cost of growth", report.Markdown(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_OnlyEndToEnd_EveryOrderSentIsDelivered()
    {
        var report = await new BenchmarkRunner(BenchmarkSettings.Tiny, Progress.Silent).RunAsync([EndToEndFigure.FigureName]);

        var row = Assert.Single(report.Results);
        Assert.DoesNotContain("FAILED", row.Measured, StringComparison.Ordinal);
        Assert.Contains("delivered/s", row.Measured, StringComparison.Ordinal);
        Assert.Contains("GET /api/info", row.Baseline, StringComparison.Ordinal);
        var tiny = BenchmarkSettings.Tiny;
        Assert.Contains(row.Notes, n => n.Contains($"{tiny.EndToEndRate * tiny.EndToEndSeconds:N0} orders sent", StringComparison.Ordinal)
            && n.Contains($"{tiny.EndToEndRate * tiny.EndToEndSeconds:N0} delivered;", StringComparison.Ordinal));
    }
}
