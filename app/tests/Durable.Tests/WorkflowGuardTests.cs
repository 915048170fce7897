using System.Text.RegularExpressions;

namespace Durable.Tests;

/// <summary>Workflow code must only await the context: this scan keeps clocks, randomness, threads and I/O out of <c>*.workflow.cs</c> files.</summary>
public sealed partial class WorkflowGuardTests
{
    private static readonly (Regex Pattern, string Instead)[] Banned =
    [
        (BannedClock(), "context.UtcNow"),
        (BannedGuid(), "context.NewGuid()"),
        (BannedDelay(), "context.DelayAsync"),
        (BannedTaskRun(), "an activity"),
        (BannedSleep(), "context.DelayAsync"),
        (BannedRandom(), "context.Random"),
        (BannedFile(), "an activity"),
        (BannedHttpClient(), "an activity"),
        (BannedConfigureAwait(), "a plain await (the workflow's scheduler must resume the code)"),
        // CancellationTokenSource.CancelAsync runs the callbacks on the thread pool, outside the activation: the workflow hangs.
        (BannedCancelAsync(), "CancellationTokenSource.Cancel()"),
    ];

    [Fact]
    public void WorkflowFiles_InRepository_UseNoNonDeterministicApis()
    {
        var root = FindRepositoryRoot();
        var files = Directory.EnumerateFiles(root, "*.workflow.cs", SearchOption.AllDirectories)
            .Where(f => !f.Split(Path.DirectorySeparatorChar).Any(part => part is "bin" or "obj" or "node_modules" or ".git"))
            .ToList();

        var violations = files.SelectMany(f => Scan(Path.GetRelativePath(root, f), File.ReadAllText(f))).ToList();

        Assert.NotEmpty(files);
        Assert.True(violations.Count == 0, "Non-deterministic calls in workflow code:\n" + string.Join("\n", violations));
    }

    [Fact]
    public void Scan_SnippetWithBannedCalls_ReportsFileLineAndCall()
    {
        const string snippet = """
            public sealed class BadWorkflow : Workflow<string, string>
            {
                // DateTime.Now in a comment is fine.
                public override async Task<string> RunAsync(WorkflowContext context, string input)
                {
                    var now = DateTime.UtcNow;
                    var id = Guid.NewGuid();
                    await Task.Delay(1000);
                    await Task.Run(() => 1);
                    Thread.Sleep(5);
                    var random = new Random(42);
                    var text = File.ReadAllText("x");
                    using var http = new HttpClient();
                    var offset = DateTimeOffset.Now;
                    await context.DelayAsync(TimeSpan.FromSeconds(1)).ConfigureAwait(false);
                    await loser.CancelAsync();
                    return context.UtcNow.ToString() + context.NewGuid() + context.Random.Next() + profile.Name;
                }
            }
            """;

        var violations = Scan("Orders/BadWorkflow.workflow.cs", snippet);

        Assert.Equal(
            [
                "Orders/BadWorkflow.workflow.cs:6: DateTime.UtcNow (use context.UtcNow)",
                "Orders/BadWorkflow.workflow.cs:7: Guid.NewGuid (use context.NewGuid())",
                "Orders/BadWorkflow.workflow.cs:8: Task.Delay (use context.DelayAsync)",
                "Orders/BadWorkflow.workflow.cs:9: Task.Run (use an activity)",
                "Orders/BadWorkflow.workflow.cs:10: Thread.Sleep (use context.DelayAsync)",
                "Orders/BadWorkflow.workflow.cs:11: new Random( (use context.Random)",
                "Orders/BadWorkflow.workflow.cs:12: File. (use an activity)",
                "Orders/BadWorkflow.workflow.cs:13: HttpClient (use an activity)",
                "Orders/BadWorkflow.workflow.cs:14: DateTimeOffset.Now (use context.UtcNow)",
                "Orders/BadWorkflow.workflow.cs:15: ConfigureAwait(false) (use a plain await (the workflow's scheduler must resume the code))",
                "Orders/BadWorkflow.workflow.cs:16: .CancelAsync( (use CancellationTokenSource.Cancel())",
            ],
            violations);
    }

    /// <summary>Each banned call found in <paramref name="source"/>, as "file:line: call (use ...)"; comment lines are skipped.</summary>
    internal static IEnumerable<string> Scan(string file, string source)
    {
        var lines = source.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].TrimStart();
            if (line.StartsWith("//", StringComparison.Ordinal) || line.StartsWith('*') || line.StartsWith("/*", StringComparison.Ordinal))
            {
                continue;
            }
            foreach (var (pattern, instead) in Banned)
            {
                foreach (Match match in pattern.Matches(lines[i]))
                {
                    yield return $"{file.Replace('\\', '/')}:{i + 1}: {Regex.Replace(match.Value, @"\s+", " ")} (use {instead})";
                }
            }
        }
    }

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "FoodOrdering.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException($"FoodOrdering.sln not found above {AppContext.BaseDirectory}.");
    }

    [GeneratedRegex(@"\bDateTime(Offset)?\.(Utc)?Now\b")]
    private static partial Regex BannedClock();

    [GeneratedRegex(@"\bGuid\.NewGuid\b")]
    private static partial Regex BannedGuid();

    [GeneratedRegex(@"\bTask\.Delay\b")]
    private static partial Regex BannedDelay();

    [GeneratedRegex(@"\bTask\.Run\b")]
    private static partial Regex BannedTaskRun();

    [GeneratedRegex(@"\bThread\.Sleep\b")]
    private static partial Regex BannedSleep();

    [GeneratedRegex(@"\bnew\s+Random\s*\(")]
    private static partial Regex BannedRandom();

    [GeneratedRegex(@"\bFile\.")]
    private static partial Regex BannedFile();

    [GeneratedRegex(@"\bHttpClient\b")]
    private static partial Regex BannedHttpClient();

    [GeneratedRegex(@"\bConfigureAwait\s*\(\s*false\s*\)")]
    private static partial Regex BannedConfigureAwait();

    [GeneratedRegex(@"\.CancelAsync\s*\(")]
    private static partial Regex BannedCancelAsync();
}
