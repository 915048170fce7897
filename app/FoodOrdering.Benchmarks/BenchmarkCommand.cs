using System.CommandLine;
using FoodOrdering.Benchmarks.Figures;
using FoodOrdering.Benchmarks.Infrastructure;
using FoodOrdering.Benchmarks.Micro;

namespace FoodOrdering.Benchmarks;

/// <summary>The command line: which figures, how big, where the markdown goes.</summary>
public static class BenchmarkCommand
{
    public static RootCommand Create()
    {
        var only = new Option<string[]>("--only")
        {
            Description = $"Run only these figures (space or comma separated): {string.Join(", ", BenchmarkRunner.FigureNames)}.",
            AllowMultipleArgumentsPerToken = true,
        };
        only.Validators.Add(result =>
        {
            var unknown = Split(result.GetValueOrDefault<string[]>()).Except(BenchmarkRunner.FigureNames).ToList();
            if (unknown.Count > 0)
            {
                result.AddError($"Unknown figure(s): {string.Join(", ", unknown)}. Known: {string.Join(", ", BenchmarkRunner.FigureNames)}.");
            }
        });
        var quick = new Option<bool>("--quick")
        {
            Description = "Smaller counts for a smoke run (2,000 workflows, 5,000 sleeping, ...); the numbers are indicative only.",
        };
        var growth = new Option<bool>("--growth")
        {
            Description = "Also run every selected figure with all counts divided by ten first, and add a cost-of-growth table (1x next to 10x).",
        };
        var output = new Option<FileInfo>("--output")
        {
            Description = "Where to write the results as markdown.",
            DefaultValueFactory = _ => new FileInfo("benchmark-results.md"),
        };
        var command = new RootCommand("Benchmarks the Durable workflow engine against raw SQLite on this machine: throughput, activity latency, signals, timers, replay time, memory and restart.")
        {
            only, quick, growth, output, MicroCommand(),
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var settings = parse.GetValue(quick) ? BenchmarkSettings.Quick : BenchmarkSettings.Full;
            var report = await new BenchmarkRunner(settings, new Progress(Console.Out)).RunAsync([.. Split(parse.GetValue(only))], parse.GetValue(growth));
            var file = parse.GetValue(output)!;
            await File.WriteAllTextAsync(file.FullName, report.Markdown(), cancellationToken);
            Console.WriteLine();
            Console.WriteLine(report.Table());
            if (report.Growth.Count > 0)
            {
                Console.WriteLine("Cost of growth (every count divided by ten, then full size):");
                Console.WriteLine(report.GrowthTable());
            }
            Console.WriteLine($"Load average before: {report.Environment.LoadBefore}; after: {report.Environment.LoadAfter} ({report.Environment.Cores} cores).");
            Console.WriteLine($"Written to {file.FullName}");
            return report.AllSucceeded ? 0 : 1;
        });
        return command;
    }

    /// <summary><c>micro [BenchmarkDotNet options]</c>: the BenchmarkDotNet micro-benchmarks; unknown options go to BenchmarkDotNet.</summary>
    private static Command MicroCommand()
    {
        var output = new Option<FileInfo>("--output")
        {
            Description = "Where to write the micro-benchmarks' GitHub markdown tables, in one file.",
            DefaultValueFactory = _ => new FileInfo("micro-benchmark-results.md"),
        };
        var artifacts = new Option<DirectoryInfo>("--artifacts")
        {
            Description = "BenchmarkDotNet's artifacts folder (its per-class reports are under results/).",
            DefaultValueFactory = _ => new DirectoryInfo("BenchmarkDotNet.Artifacts"),
        };
        var command = new Command("micro", "BenchmarkDotNet micro-benchmarks: history replay and JSON serialization, with allocations. " +
            "Other options (--filter '*Replay*', --list flat, ...) are BenchmarkDotNet's.")
        {
            output, artifacts,
        };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(parse =>
            MicroBenchmarks.Run([.. parse.UnmatchedTokens], parse.GetValue(artifacts)!.FullName, parse.GetValue(output)!) ? 0 : 1);
        return command;
    }

    private static IEnumerable<string> Split(string[]? values) =>
        (values ?? []).SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).Distinct();
}
