using System.Diagnostics;
using Durable;
using Durable.Storage;
using FoodOrdering.Benchmarks.Infrastructure;
using FoodOrdering.Benchmarks.Workflows;

namespace FoodOrdering.Benchmarks.Figures;

/// <summary>
/// N workflows that set a status and sleep for a day, as orders waiting for their delivery time do.
/// Once the change feed has shown every one asleep (its first activation committed), a forced full
/// GC, then the process's resident set and the GC heap. The engine keeps its default cache
/// capacity, so the rest of the sleepers live only in SQLite.
/// </summary>
public sealed class SleepingMemoryFigure : IFigure
{
    public const string FigureName = "memory";
    private const double TargetMegabytes = 300;
    private const string IdPrefix = "sleep-";
    // Starts are paced so that at most this many are started but not yet asleep: the engine's claim
    // query costs time in proportion to the backlog, and this figure is about memory at rest, not the start burst.
    private const int StartWindow = 1_000;

    public string Name => FigureName;
    public string Title => "memory with 100,000 sleeping workflows";

    public string Size(BenchmarkSettings settings) => $"{settings.SleepingWorkflows:N0} workflows";

    public async Task<FigureResult> RunAsync(BenchmarkContext context)
    {
        var count = context.Settings.SleepingWorkflows;
        context.Progress.Line($"[{Name}] {count:N0} workflows sleeping for a day (at most {StartWindow:N0} started and not yet asleep)");
        await using var engine = await BenchmarkEngine.StartAsync(context.NewFolder(Name), b => b.AddWorkflow<SleepingWorkflow>());
        var idle = Measure();
        context.Progress.Line($"[{Name}] idle engine: RSS {idle.RssMegabytes:N1} MB, GC heap {idle.HeapMegabytes:N1} MB");

        var started = Stopwatch.GetTimestamp();
        using var window = new SemaphoreSlim(StartWindow);
        using var stop = new CancellationTokenSource();
        await using (var sleeping = await ChangeCounter.StartAsync(engine, IdPrefix, c => c.Kind == WorkflowChangeKind.StatusChanged, () => window.Release()))
        {
            var starting = Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 64, CancellationToken = stop.Token }, async (i, ct) =>
            {
                await window.WaitAsync(ct);
                await engine.Client.StartAsync<SleepingWorkflow, int, int>($"{IdPrefix}{i}", i, cancellationToken: ct);
            });
            try
            {
                await sleeping.WaitForAsync(count, TimeSpan.FromSeconds(Math.Max(300, count / 50)), context.Progress, "asleep");
            }
            catch
            {
                // The starts wait for sleepers that will not come: stop them before reporting the failure.
                await stop.CancelAsync();
                await starting.ContinueWith(_ => { }, TaskScheduler.Default);
                throw;
            }
            await starting;
        }
        var asleep = Stopwatch.GetElapsedTime(started);
        var sample = await engine.Client.DescribeAsync($"{IdPrefix}{count - 1}");
        if (sample is not { Status: WorkflowStatus.Running, PendingTimers.Count: 1 })
        {
            throw new InvalidOperationException($"Workflow {IdPrefix}{count - 1} is not asleep on its timer.");
        }
        // The last activations put their instances in the cache just after their commit.
        var expectedCached = Math.Min(count, engine.Options.CacheCapacity);
        var deadline = Stopwatch.GetTimestamp();
        while (engine.Worker.CachedWorkflows < expectedCached && Stopwatch.GetElapsedTime(deadline) < TimeSpan.FromSeconds(5))
        {
            await Task.Delay(10);
        }
        var cached = engine.Worker.CachedWorkflows;
        var loaded = Measure();
        // An aggressive GC also hands the GC's free regions back to the OS: what the engine itself holds on to.
        var trimmed = Measure(GCCollectionMode.Aggressive);
        context.Progress.Line($"[{Name}] with {count:N0} asleep: RSS {loaded.RssMegabytes:N1} MB, GC heap {loaded.HeapMegabytes:N1} MB, {cached:N0} in cache");

        var perWorkflow = (loaded.RssMegabytes - idle.RssMegabytes) * 1024 * 1024 / count;
        return new FigureResult($"memory with {count:N0} sleeping workflows", $"RSS {loaded.RssMegabytes:N0} MB (GC heap {loaded.HeapMegabytes:N0} MB)",
            $"RSS <= {TargetMegabytes:N0} MB", $"idle engine RSS {idle.RssMegabytes:N0} MB", $"{loaded.RssMegabytes / idle.RssMegabytes:N1}× idle")
        {
            TargetMet = loaded.RssMegabytes <= TargetMegabytes,
            Notes =
            [
                $"{count:N0} started and asleep (first activation committed, seen on the change feed) in {asleep.TotalSeconds:N1} s ({count / asleep.TotalSeconds:N0} workflows/s), at most {StartWindow:N0} started and not yet asleep at any time; " +
                $"cache capacity {engine.Options.CacheCapacity:N0} (the engine default), {cached:N0} instances cached when measured; store files: {engine.StoreFiles}.",
                $"After a forced, compacting gen-2 GC: RSS {loaded.RssMegabytes:N1} MB, GC heap {loaded.HeapMegabytes:N1} MB (live objects {loaded.ManagedMegabytes:N1} MB, committed by the GC {loaded.GcCommittedMegabytes:N1} MB), " +
                $"so about {loaded.RssMegabytes - loaded.GcCommittedMegabytes:N0} MB of RSS is outside the GC heap (runtime, JIT code, SQLite); " +
                $"RSS by kind: {loaded.RssBreakdown}. Idle engine before: RSS {idle.RssMegabytes:N1} MB ({idle.RssBreakdown}), GC heap {idle.HeapMegabytes:N1} MB, GC committed {idle.GcCommittedMegabytes:N1} MB. " +
                $"(RSS − idle) / N = {perWorkflow / 1024:N2} KB per sleeping workflow. After an aggressive GC (GCCollectionMode.Aggressive, which decommits the GC's free memory): RSS {trimmed.RssMegabytes:N1} MB, GC committed {trimmed.GcCommittedMegabytes:N1} MB.",
                "Runs first, in a process that has run nothing else yet, so other figures' garbage does not count against it.",
            ],
        };
    }

    private static MemorySample Measure(GCCollectionMode mode = GCCollectionMode.Forced)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect(GC.MaxGeneration, mode, blocking: true, compacting: true);
        using var process = Process.GetCurrentProcess();
        process.Refresh();
        const double mb = 1024 * 1024;
        var gc = GC.GetGCMemoryInfo();
        return new MemorySample(process.WorkingSet64 / mb, gc.HeapSizeBytes / mb, GC.GetTotalMemory(forceFullCollection: false) / mb, gc.TotalCommittedBytes / mb)
        {
            RssBreakdown = RssBreakdown(),
        };
    }

    /// <summary>Anonymous (heaps), file-backed (code, mapped files) and shared (SQLite's WAL index) parts of RSS, from /proc/self/status.</summary>
    private static string RssBreakdown()
    {
        try
        {
            var parts = File.ReadLines("/proc/self/status")
                .Where(l => l.StartsWith("RssAnon:", StringComparison.Ordinal) || l.StartsWith("RssFile:", StringComparison.Ordinal) || l.StartsWith("RssShmem:", StringComparison.Ordinal))
                .Select(l => l.Split(':', 2))
                .Select(p => $"{p[0]} {long.Parse(p[1].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture) / 1024.0:N1} MB");
            return string.Join(", ", parts);
        }
        catch (IOException)
        {
            return "n/a";
        }
    }

    /// <summary>RSS, the GC heap's size, live managed objects, and what the GC has committed (the managed part of RSS).</summary>
    private sealed record MemorySample(double RssMegabytes, double HeapMegabytes, double ManagedMegabytes, double GcCommittedMegabytes)
    {
        public string RssBreakdown { get; init; } = "";
    }
}
