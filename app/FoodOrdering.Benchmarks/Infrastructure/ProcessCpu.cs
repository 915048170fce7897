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

    /// <summary>CPU time used so far by another process of this machine (user and system), or null where /proc is not there.</summary>
    public static TimeSpan? OfProcess(int pid)
    {
        try
        {
            var stat = ParseStat(File.ReadAllText($"/proc/{pid}/stat"));
            return TimeSpan.FromSeconds(stat.Own / TicksPerSecond);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>
    /// CPU time used so far by the threads of this process named <paramref name="threadName"/> (as /proc shows it: its first
    /// 15 characters), or null where /proc is not there.
    /// </summary>
    public static TimeSpan? OfThreads(string threadName)
    {
        if (!Directory.Exists("/proc/self/task"))
        {
            return null;
        }
        var comm = threadName.Length > 15 ? threadName[..15] : threadName;
        long ticks = 0;
        foreach (var directory in Directory.EnumerateDirectories("/proc/self/task"))
        {
            try
            {
                if (File.ReadAllText(Path.Combine(directory, "comm")).TrimEnd('\n') == comm)
                {
                    ticks += ParseStat(File.ReadAllText(Path.Combine(directory, "stat"))).Own;
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // The thread ended while being read.
            }
        }
        return TimeSpan.FromSeconds(ticks / TicksPerSecond);
    }

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
                var stat = ParseStat(File.ReadAllText(Path.Combine(directory, "stat")));
                stats.Add((pid, stat.ParentPid, stat.Own, stat.Reaped));
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

    /// <summary>
    /// The fields of /proc/PID/stat that matter here, in clock ticks. After the command name in parentheses come
    /// state, ppid, ..., utime (14), stime (15), cutime (16), cstime (17).
    /// </summary>
    private static (int ParentPid, long Own, long Reaped) ParseStat(string stat)
    {
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        long Field(int number) => long.Parse(fields[number - 3], CultureInfo.InvariantCulture);
        return ((int)Field(4), Field(14) + Field(15), Field(16) + Field(17));
    }
}
