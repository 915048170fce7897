using System.Diagnostics;
using Durable;
using Durable.Client;
using Durable.Storage;

namespace FoodOrdering.Benchmarks.Infrastructure;

/// <summary>
/// Counts workflows reaching a state through the engine's own change feed (<see cref="DurableClient.WatchAsync"/>),
/// so the benchmark waits on what the engine committed, not on a guess. A stuck or failed run ends the wait with an error.
/// </summary>
public sealed class ChangeCounter : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _watch;
    private readonly Func<WorkflowChange, bool> _counts;
    private readonly string _idPrefix;
    private readonly Action? _onCounted;
    private int _count;
    private string? _failure;

    private ChangeCounter(DurableClient client, long afterSequence, string idPrefix, Func<WorkflowChange, bool> counts, Action? onCounted)
    {
        _idPrefix = idPrefix;
        _counts = counts;
        _onCounted = onCounted;
        _watch = Task.Run(() => WatchAsync(client, afterSequence));
    }

    public int Count => Volatile.Read(ref _count);

    /// <summary>
    /// Starts counting changes committed from now on (or after <paramref name="afterSequence"/>), for workflow ids
    /// starting with <paramref name="idPrefix"/>.
    /// </summary>
    public static async Task<ChangeCounter> StartAsync(BenchmarkEngine engine, string idPrefix, Func<WorkflowChange, bool> counts, Action? onCounted = null, long? afterSequence = null)
    {
        await engine.Engine.EnsureInitializedAsync();
        var position = afterSequence ?? await engine.Engine.Store.GetLastChangeSequenceAsync(CancellationToken.None);
        return new ChangeCounter(engine.Client, position, idPrefix, counts, onCounted);
    }

    public static bool IsCompleted(WorkflowChange change) =>
        change is { Kind: WorkflowChangeKind.Closed, Status: WorkflowStatus.Completed };

    private async Task WatchAsync(DurableClient client, long afterSequence)
    {
        try
        {
            await foreach (var change in client.WatchAsync(afterSequence, _stop.Token))
            {
                if (!change.WorkflowId.StartsWith(_idPrefix, StringComparison.Ordinal))
                {
                    continue;
                }
                if (change.Kind == WorkflowChangeKind.Stuck || change is { Kind: WorkflowChangeKind.Closed, Status: not (WorkflowStatus.Completed or WorkflowStatus.ContinuedAsNew) })
                {
                    _failure ??= $"workflow '{change.WorkflowId}' is {change.Kind} ({change.Status})";
                }
                else if (_counts(change))
                {
                    Interlocked.Increment(ref _count);
                    _onCounted?.Invoke();
                }
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
    }

    /// <summary>Waits until <paramref name="expected"/> changes were counted, reporting progress every few seconds.</summary>
    public async Task<TimeSpan> WaitForAsync(int expected, TimeSpan timeout, Progress progress, string what)
    {
        var started = Stopwatch.GetTimestamp();
        var lastReport = started;
        while (Count < expected)
        {
            if (_failure is { } failure)
            {
                throw new InvalidOperationException($"The benchmark's workload went wrong: {failure}.");
            }
            if (_watch.IsCompleted)
            {
                await _watch;
                throw new InvalidOperationException("The change feed ended early.");
            }
            var elapsed = Stopwatch.GetElapsedTime(started);
            if (elapsed > timeout)
            {
                throw new TimeoutException($"Only {Count:N0} of {expected:N0} workflows {what} after {elapsed.TotalSeconds:N0} s.");
            }
            if (Stopwatch.GetElapsedTime(lastReport) > TimeSpan.FromSeconds(5))
            {
                lastReport = Stopwatch.GetTimestamp();
                progress.Line($"  {Count:N0}/{expected:N0} {what} after {elapsed.TotalSeconds:N1} s");
            }
            // A short sleep bounds the timing error to a few milliseconds on runs of seconds.
            await Task.Delay(5);
        }
        return Stopwatch.GetElapsedTime(started);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _watch;
        _stop.Dispose();
    }
}
