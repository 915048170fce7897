using System.Reflection;
using System.Runtime;
using System.Runtime.InteropServices;
using FoodOrdering.Benchmarks.Figures;

namespace FoodOrdering.Benchmarks.Infrastructure;

/// <summary>What the numbers were measured on: they mean little without it.</summary>
public sealed record BenchmarkEnvironment(
    DateTimeOffset StartedAt,
    string Mode,
    string Configuration,
    string Runtime,
    string Os,
    int Cores,
    string Gc,
    string WorkFolder,
    string FileSystem,
    string LoadBefore)
{
    public string LoadAfter { get; init; } = "";
    public TimeSpan Duration { get; init; }

    public static BenchmarkEnvironment Capture(string workFolder, BenchmarkSettings settings) => new(
        DateTimeOffset.Now,
        settings == BenchmarkSettings.Full ? "full" : settings == BenchmarkSettings.Quick ? "quick" : "custom",
        typeof(BenchmarkEnvironment).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "unknown",
        RuntimeInformation.FrameworkDescription,
        RuntimeInformation.OSDescription,
        Environment.ProcessorCount,
        $"{(GCSettings.IsServerGC ? "server" : "workstation")}, {GCSettings.LatencyMode}",
        workFolder,
        FileSystemOf(workFolder),
        LoadAverage());

    public BenchmarkEnvironment Finish() => this with { LoadAfter = LoadAverage(), Duration = DateTimeOffset.Now - StartedAt };

    /// <summary>
    /// The 1, 5 and 15 minute load averages as uptime shows them, and the share of the last minute in which
    /// some runnable task waited for a CPU (Linux pressure stall information): how busy the shared machine was.
    /// </summary>
    public static string LoadAverage()
    {
        try
        {
            var fields = File.ReadAllText("/proc/loadavg").Split(' ');
            var load = $"{fields[0]}, {fields[1]}, {fields[2]}";
            if (File.Exists("/proc/pressure/cpu"))
            {
                var some = File.ReadLines("/proc/pressure/cpu").First().Split(' ');
                var avg60 = some.FirstOrDefault(f => f.StartsWith("avg60=", StringComparison.Ordinal))?["avg60=".Length..];
                load += $" (CPU pressure {avg60}% over 60 s)";
            }
            return load;
        }
        catch (IOException)
        {
            return "n/a";
        }
        catch (UnauthorizedAccessException)
        {
            return "n/a";
        }
    }

    /// <summary>The type and device of the mount that holds <paramref name="path"/> (Linux), from /proc/mounts.</summary>
    private static string FileSystemOf(string path)
    {
        try
        {
            var full = Path.GetFullPath(path);
            var best = File.ReadLines("/proc/mounts")
                .Select(line => line.Split(' '))
                .Where(f => f.Length > 2 && (full == f[1] || full.StartsWith(f[1].TrimEnd('/') + "/", StringComparison.Ordinal)))
                .MaxBy(f => f[1].Length);
            return best is null ? "unknown" : $"{best[2]} on {best[1]}";
        }
        catch (IOException)
        {
            return "unknown";
        }
        catch (UnauthorizedAccessException)
        {
            return "unknown";
        }
    }
}
