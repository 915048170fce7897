using System.Diagnostics;
using System.Reflection;
using System.Runtime.InteropServices;

namespace FoodOrdering.Testing;

/// <summary>
/// A program of this solution run as a real child process (<c>dotnet Program.dll args</c>) from its own build output.
/// Its output is drained continuously (a full pipe would block it) and its last lines are kept for failure messages.
/// Disposing kills it and everything it started.
/// </summary>
public sealed partial class ChildProcess : IDisposable
{
    private const int SigInt = 2;
    private const int KeptLines = 200;
    private readonly Process _process;
    private readonly Queue<string> _lines = new();
    private readonly Lock _gate = new();
    private readonly List<(string Text, TaskCompletionSource<string> Seen)> _waiters = [];

    private ChildProcess(string name, Process process)
    {
        Name = name;
        _process = process;
    }

    public string Name { get; }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>Starts <paramref name="project"/>'s built dll (same configuration and framework as these tests) with its output folder as working directory.</summary>
    public static ChildProcess Start(string project, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null)
    {
        var dll = BuiltDll(project);
        // A test run started in the background (bash ignores SIGINT in background jobs) hands that "ignore" down to every
        // child, and .NET leaves an inherited ignored SIGINT ignored: Interrupt() would do nothing. env restores the default.
        var start = new ProcessStartInfo(OperatingSystem.IsLinux() ? "env" : "dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (OperatingSystem.IsLinux())
        {
            start.ArgumentList.Add("--default-signal=INT");
            start.ArgumentList.Add("dotnet");
        }
        start.ArgumentList.Add(dll);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }
        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var child = new ChildProcess(project, process);
        process.OutputDataReceived += (_, e) => child.Keep(e.Data);
        process.ErrorDataReceived += (_, e) => child.Keep(e.Data);
        if (!process.Start())
        {
            throw new InvalidOperationException($"Could not start {dll}.");
        }
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    /// <summary>The last lines the process wrote (stdout and stderr), for failure messages.</summary>
    public string Output()
    {
        lock (_gate)
        {
            return $"--- last output of {Name} (pid {_process.Id}{(_process.HasExited ? $", exited {_process.ExitCode}" : "")}) ---\n{string.Join('\n', _lines)}";
        }
    }

    /// <summary>
    /// The first line (among those kept, or written from now on) that contains <paramref name="text"/>; past
    /// <paramref name="limit"/> (a hang guard), fails with the process's output.
    /// </summary>
    public async Task<string> WaitForLineAsync(string text, TimeSpan limit)
    {
        var seen = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            if (_lines.FirstOrDefault(l => l.Contains(text, StringComparison.Ordinal)) is { } line)
            {
                return line;
            }
            _waiters.Add((text, seen));
        }
        try
        {
            return await seen.Task.WaitAsync(limit);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"{Name} wrote no line containing \"{text}\" within {limit}.\n{Output()}");
        }
        finally
        {
            lock (_gate)
            {
                _waiters.Remove((text, seen));
            }
        }
    }

    /// <summary>SIGINT, as Ctrl+C in a terminal.</summary>
    public void Interrupt()
    {
        if (Kill(_process.Id, SigInt) != 0)
        {
            throw new InvalidOperationException($"kill -INT {_process.Id} failed (errno {Marshal.GetLastPInvokeError()}).");
        }
    }

    /// <summary>Waits for the process to end by itself and returns its exit code; past <paramref name="limit"/> (a hang guard), fails with its output.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan limit)
    {
        using var deadline = new CancellationTokenSource(limit);
        try
        {
            await _process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            throw new TimeoutException($"{Name} did not exit within {limit}.\n{Output()}");
        }
        return _process.ExitCode;
    }

    /// <summary>SIGKILL: no shutdown code runs, as when a phone's app or a machine dies.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _process.WaitForExitAsync(deadline.Token);
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(TimeSpan.FromSeconds(10));
            }
        }
        catch (InvalidOperationException)
        {
            // It was never started or is already gone.
        }
        _process.Dispose();
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_gate)
        {
            foreach (var (text, seen) in _waiters.Where(w => line.Contains(w.Text, StringComparison.Ordinal)))
            {
                seen.TrySetResult(line);
            }
            _lines.Enqueue(line);
            while (_lines.Count > KeptLines)
            {
                _lines.Dequeue();
            }
        }
    }

    /// <summary>app/{project}/bin/{configuration}/{framework}/{project}.dll, built by this test project's project references.</summary>
    private static string BuiltDll(string project)
    {
        var configuration = typeof(ChildProcess).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
        var framework = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Name;
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "FoodOrdering.sln")))
        {
            root = root.Parent;
        }
        if (root is null)
        {
            throw new InvalidOperationException($"FoodOrdering.sln not found above {AppContext.BaseDirectory}.");
        }
        var dll = Path.Combine(root.FullName, "app", project, "bin", configuration, framework, project + ".dll");
        return File.Exists(dll) ? dll : throw new FileNotFoundException($"{project} is not built for {configuration}/{framework}; build the solution first.", dll);
    }
}
