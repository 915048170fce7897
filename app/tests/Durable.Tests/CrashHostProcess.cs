using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Threading.Channels;

namespace Durable.Tests;

/// <summary>
/// A Durable.CrashHost child process (<c>dotnet Durable.CrashHost.dll</c>) whose stdout protocol
/// (STARTING, READY, PROGRESS completed=n) the test reads line by line. Disposing always kills it.
/// </summary>
internal sealed class CrashHostProcess : IAsyncDisposable
{
    private const string ProgressPrefix = "PROGRESS completed=";
    private const int SigTerm = 15;
    private readonly Process _process;
    private readonly Channel<string> _stdout = Channel.CreateUnbounded<string>();
    private readonly ConcurrentQueue<string> _stderr = new();

    private CrashHostProcess(Process process) => _process = process;

    public int Id => _process.Id;
    public bool SawReady { get; private set; }
    /// <summary>The last completed count the host reported; -1 before the first PROGRESS line.</summary>
    public int LastCompleted { get; private set; } = -1;

    /// <param name="connectionString">A PostgreSQL database to use instead of the SQLite file at <paramref name="storePath"/>.</param>
    public static CrashHostProcess Start(string storePath, string ledgerPath, int start, int killAfterStarts = 0, string? connectionString = null)
    {
        var info = new ProcessStartInfo(DotnetPath())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(storePath)!,
        };
        foreach (var argument in new[]
                 {
                     Path.Combine(AppContext.BaseDirectory, "Durable.CrashHost.dll"),
                     "--store", storePath, "--ledger", ledgerPath, "--start", start.ToString(CultureInfo.InvariantCulture),
                     "--kill-after-starts", killAfterStarts.ToString(CultureInfo.InvariantCulture),
                 })
        {
            info.ArgumentList.Add(argument);
        }
        if (connectionString is not null)
        {
            info.ArgumentList.Add("--connection-string");
            info.ArgumentList.Add(connectionString);
        }
        var process = new Process { StartInfo = info };
        var host = new CrashHostProcess(process);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                host._stdout.Writer.TryComplete();
            }
            else
            {
                host._stdout.Writer.TryWrite(e.Data);
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                host._stderr.Enqueue(e.Data);
            }
        };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return host;
    }

    /// <summary>Everything the host logged (stderr), for failure messages and reports.</summary>
    public IReadOnlyCollection<string> Log => _stderr;

    /// <summary>Reads stdout until a line matches; fails if the host exits first or the deadline passes.</summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> match, TimeSpan timeout, string what)
    {
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            while (await _stdout.Reader.WaitToReadAsync(deadline.Token))
            {
                while (_stdout.Reader.TryRead(out var line))
                {
                    Observe(line);
                    if (match(line))
                    {
                        return line;
                    }
                }
            }
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            throw new TimeoutException($"The crash host did not report {what} within {timeout} (last completed={LastCompleted}).{Environment.NewLine}{Tail()}");
        }
        throw new InvalidOperationException($"The crash host exited before reporting {what} (last completed={LastCompleted}).{Environment.NewLine}{Tail()}");
    }

    /// <summary>Waits for a PROGRESS line whose completed count satisfies <paramref name="condition"/>; returns that count.</summary>
    public async Task<int> WaitForCompletedAsync(Func<int, bool> condition, TimeSpan timeout, string what)
    {
        await WaitForLineAsync(line => TryParseProgress(line, out var completed) && condition(completed), timeout, what);
        return LastCompleted;
    }

    /// <summary>
    /// kill -9 (Process.Kill sends SIGKILL on Linux): no shutdown code runs, nothing is flushed. The host has
    /// no child processes, and killing just the pid avoids the tree walk over /proc, so the kill lands at once.
    /// </summary>
    public async Task KillAsync(TimeSpan timeout)
    {
        _process.Kill();
        await WaitForExitAsync(timeout);
    }

    /// <summary>Asks for a graceful shutdown (SIGTERM, as a container runtime would) and returns the exit code.</summary>
    public async Task<int> StopAsync(TimeSpan timeout)
    {
        if (OperatingSystem.IsWindows())
        {
            _process.Kill(entireProcessTree: true);
        }
        else if (Kill(_process.Id, SigTerm) != 0)
        {
            throw new InvalidOperationException($"kill(SIGTERM) failed with errno {Marshal.GetLastPInvokeError()}.");
        }
        return await WaitForExitAsync(timeout);
    }

    /// <summary>Waits for the process to end and reads the rest of its output, so <see cref="SawReady"/> tells what it printed before dying.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(deadline.Token);
        await foreach (var line in _stdout.Reader.ReadAllAsync(deadline.Token))
        {
            Observe(line);
        }
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                await _process.WaitForExitAsync(deadline.Token);
            }
        }
        catch (InvalidOperationException)
        {
            // Never started or already gone.
        }
        finally
        {
            _process.Dispose();
        }
    }

    public string Tail(int lines = 40) => "stderr (tail):" + Environment.NewLine + string.Join(Environment.NewLine, _stderr.TakeLast(lines));

    private void Observe(string line)
    {
        if (line.StartsWith("READY", StringComparison.Ordinal))
        {
            SawReady = true;
        }
        if (TryParseProgress(line, out var completed))
        {
            LastCompleted = completed;
        }
    }

    private static bool TryParseProgress(string line, out int completed)
    {
        completed = 0;
        return line.StartsWith(ProgressPrefix, StringComparison.Ordinal)
            && int.TryParse(line.AsSpan(ProgressPrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out completed);
    }

    /// <summary>The dotnet that runs this test run, so the host gets the same runtime.</summary>
    private static string DotnetPath()
    {
        if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } hostPath && File.Exists(hostPath))
        {
            return hostPath;
        }
        var current = Environment.ProcessPath;
        return current is not null && Path.GetFileNameWithoutExtension(current) == "dotnet" ? current : "dotnet";
    }

    // Blittable arguments: no marshalling, so the classic DllImport is enough (LibraryImport would need unsafe code).
    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Kill(int pid, int signal);
}
