using System.Diagnostics;
using Durable.Storage;
using FoodOrdering.Benchmarks.Infrastructure;
using FoodOrdering.Benchmarks.Workflows;
using Microsoft.Extensions.DependencyInjection;

namespace FoodOrdering.Benchmarks.Figures;

/// <summary>
/// N three-activity workflows, started as fast as the engine takes them with at most
/// <see cref="InFlight"/> started and not yet completed (a steady stream, as orders arrive, rather
/// than N at once, which would only measure how the backlog outgrows the cache); the clock runs from
/// the first start until the change feed has reported every one completed. Each workflow is 8
/// committed writes: its start, 4 activations and 3 activity results.
/// </summary>
public sealed class ThroughputFigure : IFigure
{
    public const string FigureName = "throughput";
    private const double TargetPerSecond = 3000;
    private const string IdPrefix = "tp-";
    private const int InFlight = 2_000;

    public string Name => FigureName;
    public string Title => "engine workflows/s (3 activities each)";

    public string Size(BenchmarkSettings settings) => $"{settings.Workflows:N0} workflows";

    public async Task<FigureResult> RunAsync(BenchmarkContext context)
    {
        var count = context.Settings.Workflows;
        var warmup = Math.Clamp(count, 10, 20_000);
        context.Progress.Line($"[{Name}] {count:N0} workflows of 3 activities started concurrently (after {warmup:N0} for warm-up)");
        await using var engine = await BenchmarkEngine.StartAsync(context.NewFolder(Name),
            b => b.AddWorkflow<ThreeStepWorkflow>().AddActivities<BenchmarkActivities>(),
            s => s.AddSingleton<ActivityRecorder>());

        await RunWorkflowsAsync(engine, "warmup-", warmup, context.Progress);
        var before = engine.CommitStatistics;
        var (cpuBefore, allocatedBefore, collectionsBefore) = (Process.GetCurrentProcess().TotalProcessorTime, GC.GetTotalAllocatedBytes(precise: true), GcCollections());
        var writerBefore = ProcessCpu.OfThreads(SqliteWriter.ThreadName);
        var (elapsed, allStarted) = await RunWorkflowsAsync(engine, IdPrefix, count, context.Progress);
        var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        var collections = GcCollections().Zip(collectionsBefore, (a, b) => a - b).ToArray();
        var after = engine.CommitStatistics;
        var writerCpu = ProcessCpu.OfThreads(SqliteWriter.ThreadName) - writerBefore;

        var writes = after.Writes - before.Writes;
        var batches = after.Batches - before.Batches;
        var perSecond = count / elapsed.TotalSeconds;
        var writesPerSecond = writes / elapsed.TotalSeconds;
        context.Progress.Line($"[{Name}] {perSecond:N0} workflows/s, {writesPerSecond:N0} committed writes/s in {batches:N0} transactions");
        var ratio = context.RawCommitsPerSecond is { } raw ? $"{writesPerSecond / raw:0.00} ({writesPerSecond:N0} transitions/s ÷ raw commits/s)" : "—";
        return new FigureResult(Title, $"{perSecond:N0} workflows/s", $">= {TargetPerSecond:N0}/s", context.BaselineText, ratio)
        {
            TargetMet = perSecond >= TargetPerSecond,
            Notes =
            [
                $"{count:N0} workflows in {elapsed.TotalSeconds:N2} s, at most {InFlight:N0} started and not yet completed at any time (the last started after {allStarted.TotalSeconds:N2} s); engine default options (MaxConcurrentWorkflowTasks {engine.Worker.WorkflowTaskLimit}, MaxConcurrentActivities {engine.Options.MaxConcurrentActivities}).",
                $"CPU {cpu.TotalMilliseconds * 1000 / count:N0} µs per workflow (this process, all threads: {cpu.TotalSeconds:N2} s of {elapsed.TotalSeconds * Environment.ProcessorCount:N2} core-seconds); allocated {allocated / 1024.0 / count:N1} KB per workflow; garbage collections {collections[0]} in all, {collections[1]} of them of generation 1 or 2, {collections[2]} of generation 2. The allocation is the same from run to run; the CPU time rises when other work shares the cores.",
                $"{writes:N0} committed writes = state transitions ({(double)writes / count:N1} per workflow) in {batches:N0} transactions ({(double)writes / Math.Max(1, batches):N1} writes per group commit): {writesPerSecond:N0} transitions/s, {batches / elapsed.TotalSeconds:N0} commits/s; store files afterwards: {engine.StoreFiles}.",
                .. WriterNotes(writerCpu, elapsed, writes, after.Statements - before.Statements),
            ],
        };
    }

    /// <summary>How busy the store's single writer thread was: the group-commit ceiling is the transitions/s it would reach at 100 %.</summary>
    private static IEnumerable<string> WriterNotes(TimeSpan? writerCpu, TimeSpan elapsed, long writes, long statements)
    {
        if (writerCpu is not { } busy || writes == 0)
        {
            yield break;
        }
        var share = busy / elapsed;
        var perWrite = busy.TotalMilliseconds * 1000 / writes;
        yield return $"The writer thread (every transition's SQL, {(double)statements / writes:N2} statements per transition, and the group commits) was on a CPU " +
            $"{share:P0} of the time, {perWrite:N1} µs per transition: {1_000_000 / perWrite:N0} transitions/s if it were busy all the time.";
    }

    private static int[] GcCollections() => [GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2)];

    private static async Task<(TimeSpan Elapsed, TimeSpan AllStarted)> RunWorkflowsAsync(BenchmarkEngine engine, string prefix, int count, Progress progress)
    {
        using var window = new SemaphoreSlim(InFlight);
        await using var completed = await ChangeCounter.StartAsync(engine, prefix, ChangeCounter.IsCompleted, () => window.Release());
        var started = Stopwatch.GetTimestamp();
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 64 }, async (i, ct) =>
        {
            await window.WaitAsync(ct);
            var handle = await engine.Client.StartAsync<ThreeStepWorkflow, int, int>($"{prefix}{i}", i, cancellationToken: ct);
            if (!handle.Started)
            {
                throw new InvalidOperationException($"Workflow {prefix}{i} already existed.");
            }
        });
        var allStarted = Stopwatch.GetElapsedTime(started);
        await completed.WaitForAsync(count, TimeSpan.FromSeconds(Math.Max(120, count / 50)), progress, "completed");
        return (Stopwatch.GetElapsedTime(started), allStarted);
    }
}
