using System.Globalization;
using System.Text;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Exporters;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Loggers;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using FoodOrdering.Benchmarks.Infrastructure;

namespace FoodOrdering.Benchmarks.Micro;

/// <summary>
/// Runs the BenchmarkDotNet micro-benchmarks (replay, serialization) and gathers their GitHub
/// markdown reports into one file, headed by the machine's load before and after.
/// </summary>
public static class MicroBenchmarks
{
    public static readonly Type[] Types = [typeof(ReplayBenchmarks), typeof(HistoryEventSerializationBenchmarks), typeof(PayloadSerializationBenchmarks)];

    /// <summary>
    /// A short job, in this process: one launch, 3 warm-up and 5 measured iterations. In-process because a
    /// generated project per benchmark takes minutes to build on two cores, and BenchmarkDotNet 0.14 does not
    /// know .NET 10 as a target of its own builds.
    /// </summary>
    public static IConfig Config(string artifacts) => ManualConfig.CreateEmpty()
        .AddJob(Job.ShortRun.WithIterationCount(5).WithToolchain(InProcessEmitToolchain.Instance).WithId("ShortRun-InProcess"))
        .AddDiagnoser(MemoryDiagnoser.Default)
        .AddColumnProvider(DefaultColumnProviders.Instance)
        .AddLogger(ConsoleLogger.Default)
        .AddExporter(MarkdownExporter.GitHub)
        .WithArtifactsPath(artifacts)
        .WithOptions(ConfigOptions.DisableLogFile);

    /// <summary>Runs the benchmarks <paramref name="args"/> select (BenchmarkDotNet's own options; all when none), writes <paramref name="output"/>.</summary>
    public static bool Run(string[] args, string artifacts, FileInfo output)
    {
        var loadBefore = BenchmarkEnvironment.LoadAverage();
        var started = DateTimeOffset.Now;
        if (!args.Any(a => a == "-f" || a.StartsWith("--filter", StringComparison.Ordinal)))
        {
            args = [.. args, "--filter", "*"];
        }
        var summaries = BenchmarkSwitcher.FromTypes(Types).Run(args, Config(artifacts)).ToList();
        if (summaries.Count == 0)
        {
            // --list, --help, or a filter that matched nothing: there is nothing to write.
            return args.Contains("--list") || args.Contains("--help") || args.Contains("-h");
        }
        var loadAfter = BenchmarkEnvironment.LoadAverage();
        File.WriteAllText(output.FullName, Markdown(summaries, started, loadBefore, loadAfter));
        Console.WriteLine($"Load average before: {loadBefore}; after: {loadAfter}.");
        Console.WriteLine($"Written to {output.FullName}");
        return summaries.All(Succeeded);
    }

    public static bool Succeeded(Summary summary) =>
        !summary.HasCriticalValidationErrors && summary.Reports.Length > 0 && summary.Reports.All(r => r.Success);

    private static string Markdown(IReadOnlyList<Summary> summaries, DateTimeOffset started, string loadBefore, string loadAfter)
    {
        var text = new StringBuilder();
        text.AppendLine("# Durable micro-benchmark results").AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"Run {started:yyyy-MM-dd HH:mm:ss zzz}, took {(DateTimeOffset.Now - started).TotalSeconds:N0} s, " +
            $"{Environment.ProcessorCount} cores. Load average before: {loadBefore}; after: {loadAfter}.").AppendLine();
        foreach (var summary in summaries)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"## {summary.BenchmarksCases.FirstOrDefault()?.Descriptor.Type.Name}").AppendLine();
            var logger = new AccumulationLogger();
            MarkdownExporter.GitHub.ExportToLog(summary, logger);
            text.AppendLine(logger.GetLog().Trim()).AppendLine();
        }
        return text.ToString();
    }
}
