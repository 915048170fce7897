using System.Diagnostics;

namespace FoodOrdering.Benchmarks.Workflows;

/// <summary>
/// A singleton the activities write start timestamps into. The time between the starts of two
/// sequential activities is one full round trip through the engine: result committed, workflow
/// claimed and activated, next activity committed, claimed and started.
/// </summary>
public sealed class ActivityRecorder
{
    private long[] _starts = [];
    private int _marked;
    private TaskCompletionSource _allMarked = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when every index of the last <see cref="Reset"/> has started once.</summary>
    public Task AllMarked => _allMarked.Task;

    public void Reset(int count)
    {
        _marked = 0;
        _allMarked = new(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref _starts, new long[count]);
    }

    public void Mark(int index)
    {
        var starts = Volatile.Read(ref _starts);
        // An activity may run more than once (at least once): keep the first start.
        if ((uint)index < (uint)starts.Length && Interlocked.CompareExchange(ref starts[index], Stopwatch.GetTimestamp(), 0) == 0
            && Interlocked.Increment(ref _marked) == starts.Length)
        {
            _allMarked.TrySetResult();
        }
    }

    /// <summary>From the first start to the last.</summary>
    public TimeSpan FirstToLast => _starts.Length < 2 ? TimeSpan.Zero : Stopwatch.GetElapsedTime(_starts[0], _starts[^1]);

    /// <summary>Milliseconds between consecutive starts; empty when a start is missing.</summary>
    public double[] RoundTripsMilliseconds()
    {
        var starts = _starts;
        if (starts.Length < 2 || Array.IndexOf(starts, 0L) >= 0)
        {
            return [];
        }
        var trips = new double[starts.Length - 1];
        for (var i = 1; i < starts.Length; i++)
        {
            trips[i - 1] = Stopwatch.GetElapsedTime(starts[i - 1], starts[i]).TotalMilliseconds;
        }
        return trips;
    }
}
