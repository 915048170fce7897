using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace FoodOrdering.EndToEnd.Tests;

/// <summary>
/// docker-compose.yaml as docker-compose itself reads it: `docker-compose config` validates the file and prints it
/// resolved (env files merged in); Python's yaml module (a dependency of Debian's docker-compose) turns that into JSON.
/// </summary>
public sealed partial class ComposeFile
{
    private ComposeFile(JsonElement root, string repository)
    {
        Root = root;
        Repository = repository;
    }

    public JsonElement Root { get; }

    public string Repository { get; }

    public static async Task<ComposeFile> LoadAsync()
    {
        var repository = RepositoryRoot();
        var yaml = await RunAsync("docker-compose", ["-f", "docker-compose.yaml", "config"], repository, input: null);
        var json = await RunAsync("python3", ["-c", "import json, sys, yaml; json.dump(yaml.safe_load(sys.stdin), sys.stdout)"], repository, yaml);
        return new ComposeFile(JsonDocument.Parse(json).RootElement.Clone(), repository);
    }

    public JsonElement Service(string name) => Root.GetProperty("services").GetProperty(name);

    public Dictionary<string, string> Environment(string service) =>
        Service(service).TryGetProperty("environment", out var environment)
            ? environment.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : p.Value.GetRawText(), StringComparer.Ordinal)
            : [];

    public string[] Command(string service) => [.. Service(service).GetProperty("command").EnumerateArray().Select(a => a.GetString()!)];

    /// <summary>The topics the kafka-init service creates, read from its script.</summary>
    public string[] Topics()
    {
        var script = File.ReadAllText(Path.Combine(Repository, "infra", "docker", "kafka", "create-topics.sh"));
        return TopicsLoop().Match(script) is { Success: true } match
            ? match.Groups[1].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            : throw new InvalidOperationException("create-topics.sh has no `for topic in ...` loop.");
    }

    public static async Task<string> RunAsync(string program, string[] arguments, string directory, string? input)
    {
        var start = new ProcessStartInfo(program)
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = input is not null,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new InvalidOperationException($"{program} is not installed; infra/test.sh installs it (Debian's docker-compose package).", ex);
        }
        using (process)
        {
            if (input is not null)
            {
                await process.StandardInput.WriteAsync(input);
                process.StandardInput.Close();
            }
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await process.WaitForExitAsync(deadline.Token);
            return process.ExitCode == 0
                ? await output
                : throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} exited with {process.ExitCode}: {await error}");
        }
    }

    private static string RepositoryRoot()
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "docker-compose.yaml")))
        {
            root = root.Parent;
        }
        return root?.FullName ?? throw new InvalidOperationException($"docker-compose.yaml not found above {AppContext.BaseDirectory}.");
    }

    [GeneratedRegex(@"for topic in ([^;]+);")]
    private static partial Regex TopicsLoop();
}
