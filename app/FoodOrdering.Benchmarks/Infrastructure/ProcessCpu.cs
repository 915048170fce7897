using System.Diagnostics;
using System.Globalization;

namespace FoodOrdering.Benchmarks.Infrastructure;

/// <summary>
/// CPU time used so far by this process and by a local PostgreSQL server (its postmaster, the backends alive now and
/// those it has reaped), read from /proc: what a workflow costs in CPU, whatever else the shared machine runs.
/// </summary>
public sealed record ProcessCpu(TimeSpan Engine, TimeSpan? Server)
{
    /// <summary>Clock ticks per second of /proc's times (USER_HZ, 100 on Linux).</summary>
    private const double TicksPerSecond = 100;

    public static ProcessCpu Read(string serverSocketDirectory) =>
        new(Process.GetCurrentProcess().TotalProcessorTime, ServerCpu(serverSocketDirectory));

    public static ProcessCpu operator -(ProcessCpu after, ProcessCpu before) =>
        new(after.Engine - before.Engine, after.Server is { } a && before.Server is { } b ? a - b : null);

    private static TimeSpan? ServerCpu(string socketDirectory)
    {
        if (!Directory.Exists("/proc/self"))
        {
            return null;
        }
        var stats = new List<(int Pid, int ParentPid, long Own, long Reaped)>();
        int? postmaster = null;
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }
            try
            {
                var stat = File.ReadAllText(Path.Combine(directory, "stat"));
                // After the command name in parentheses: state, ppid, ..., utime (14), stime (15), cutime (16), cstime (17).
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                long Field(int number) => long.Parse(fields[number - 3], CultureInfo.InvariantCulture);
                stats.Add((pid, (int)Field(4), Field(14) + Field(15), Field(16) + Field(17)));
                if (postmaster is null && File.ReadAllText(Path.Combine(directory, "cmdline")).Replace('\0', ' ').Contains($"-k {socketDirectory} ", StringComparison.Ordinal))
                {
                    postmaster = pid;
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
            {
                // The process ended while being read.
            }
        }
        if (postmaster is not { } root)
        {
            return null;
        }
        var ticks = stats.Where(s => s.Pid == root).Sum(s => s.Own + s.Reaped) + stats.Where(s => s.ParentPid == root).Sum(s => s.Own);
        return TimeSpan.FromSeconds(ticks / TicksPerSecond);
    }
}
