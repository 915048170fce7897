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
    private const int StartsInFlight = 1_000;

    public string Name => FigureName;
    public string Title => "memory with 100,000 sleeping workflows";

    public async Task<FigureResult> RunAsync(BenchmarkContext context)
    {
        var count = context.Settings.SleepingWorkflows;
        context.Progress.Line($"[{Name}] {count:N0} workflows sleeping for a day ({StartsInFlight:N0} starts in flight)");
        await using var engine = await BenchmarkEngine.StartAsync(context.NewFolder(Name), b => b.AddWorkflow<SleepingWorkflow>());
        var idle = Measure();
        context.Progress.Line($"[{Name}] idle engine: RSS {idle.RssMegabytes:N1} MB, GC heap {idle.HeapMegabytes:N1} MB");

        var started = Stopwatch.GetTimestamp();
        TimeSpan asleep;
        await using (var sleeping = await ChangeCounter.StartAsync(engine, IdPrefix, c => c.Kind == WorkflowChangeKind.StatusChanged))
        {
            await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = StartsInFlight },
                async (i, ct) => await engine.Client.StartAsync<SleepingWorkflow, int, int>($"{IdPrefix}{i}", i, cancellationToken: ct));
            context.Progress.Line($"[{Name}] {count:N0} started after {Stopwatch.GetElapsedTime(started).TotalSeconds:N1} s");
            asleep = await sleeping.WaitForAsync(count, TimeSpan.FromSeconds(Math.Max(120, count / 100)), context.Progress, "asleep");
        }
        asleep = Stopwatch.GetElapsedTime(started);
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
        context.Progress.Line($"[{Name}] with {count:N0} asleep: RSS {loaded.RssMegabytes:N1} MB, GC heap {loaded.HeapMegabytes:N1} MB, {cached:N0} in cache");

        var perWorkflow = (loaded.RssMegabytes - idle.RssMegabytes) * 1024 * 1024 / count;
        return new FigureResult($"memory with {count:N0} sleeping workflows", $"RSS {loaded.RssMegabytes:N0} MB (GC heap {loaded.HeapMegabytes:N0} MB)",
            $"RSS <= {TargetMegabytes:N0} MB", $"idle engine RSS {idle.RssMegabytes:N0} MB", $"{loaded.RssMegabytes / idle.RssMegabytes:N1}× idle")
        {
            TargetMet = loaded.RssMegabytes <= TargetMegabytes,
            Notes =
            [
                $"{count:N0} started and asleep (first activation committed, seen on the change feed) in {asleep.TotalSeconds:N1} s ({count / asleep.TotalSeconds:N0} workflows/s); " +
                $"cache capacity {engine.Options.CacheCapacity:N0} (the engine default), {cached:N0} instances cached when measured.",
                $"After a forced, compacting gen-2 GC: RSS {loaded.RssMegabytes:N1} MB, GC heap {loaded.HeapMegabytes:N1} MB (live objects {loaded.ManagedMegabytes:N1} MB, committed by the GC {loaded.GcCommittedMegabytes:N1} MB), " +
                $"so about {loaded.RssMegabytes - loaded.GcCommittedMegabytes:N0} MB of RSS is outside the GC heap (runtime, JIT code, SQLite); " +
                $"idle engine before: RSS {idle.RssMegabytes:N1} MB, GC heap {idle.HeapMegabytes:N1} MB, GC committed {idle.GcCommittedMegabytes:N1} MB. (RSS − idle) / N = {perWorkflow / 1024:N2} KB per sleeping workflow.",
                "Runs first, in a process that has run nothing else yet, so other figures' garbage does not count against it.",
            ],
        };
    }

    private static MemorySample Measure()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        using var process = Process.GetCurrentProcess();
        process.Refresh();
        const double mb = 1024 * 1024;
        var gc = GC.GetGCMemoryInfo();
        return new MemorySample(process.WorkingSet64 / mb, gc.HeapSizeBytes / mb, GC.GetTotalMemory(forceFullCollection: false) / mb, gc.TotalCommittedBytes / mb);
    }

    /// <summary>RSS, the GC heap's size, live managed objects, and what the GC has committed (the managed part of RSS).</summary>
    private sealed record MemorySample(double RssMegabytes, double HeapMegabytes, double ManagedMegabytes, double GcCommittedMegabytes);
}
