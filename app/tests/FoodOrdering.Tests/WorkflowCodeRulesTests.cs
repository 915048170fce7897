using System.Text.RegularExpressions;

namespace FoodOrdering.Tests;

/// <summary>
/// Workflow code is replayed, so it may only await the context: anything that reads the clock, draws randomness,
/// starts threads or does I/O would make a replay diverge from the recorded history.
/// </summary>
public sealed partial class WorkflowCodeRulesTests
{
    // ConfigureAwait(false) is banned too: workflow code must resume on the engine's deterministic scheduler.
    [GeneratedRegex(
        @"\b(DateTime(Offset)?\.(Now|UtcNow|Today)|Guid\.NewGuid|Task\.(Delay|Run|Yield)|Task\.Factory|Thread\.Sleep|new\s+Random\s*\(|Random\.Shared|" +
        @"Stopwatch|Environment\.TickCount|TimeProvider\.System|Parallel\.|ThreadPool\.|HttpClient|File\.|Directory\.|Console\.|ConfigureAwait)")]
    private static partial Regex Banned();

    [Fact]
    public void WorkflowFiles_AllOfThem_UseNoNonDeterministicApi()
    {
        var root = RepositoryRoot();
        var files = Directory.EnumerateFiles(Path.Combine(root, "app"), "*.workflow.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .ToList();
        Assert.NotEmpty(files);

        var violations =
            from file in files
            from line in File.ReadLines(file).Select((text, index) => (Text: text, Number: index + 1))
            where !line.Text.TrimStart().StartsWith("//", StringComparison.Ordinal) && Banned().IsMatch(line.Text)
            select $"{Path.GetRelativePath(root, file)}:{line.Number}: {Banned().Match(line.Text).Value}";

        Assert.Empty(violations);
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "FoodOrdering.sln")))
            {
                return directory.FullName;
            }
        }
        throw new InvalidOperationException($"FoodOrdering.sln not found above {AppContext.BaseDirectory}.");
    }
}
