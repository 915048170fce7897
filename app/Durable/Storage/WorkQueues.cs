namespace Durable.Storage;

/// <summary>
/// In-memory index of what is due in a store this process owns alone: runs with inputs ready now,
/// runs and activities that become due later (timers, retries, stuck backoff). It only ever points
/// at the database, which stays the truth: a stale entry costs one read and is dropped, and the
/// index is rebuilt from the tables on start.
/// </summary>
internal sealed class WorkQueues
{
    private readonly object _gate = new();
    private readonly Queue<string> _readyRuns = new();
    private readonly HashSet<string> _readyRunSet = new(StringComparer.Ordinal);
    private readonly PriorityQueue<string, long> _laterRuns = new();
    private readonly HashSet<string> _leasedRuns = new(StringComparer.Ordinal);
    private readonly HashSet<string> _deferredRuns = new(StringComparer.Ordinal);
    private readonly Queue<long> _readyActivities = new();
    private readonly HashSet<long> _readyActivitySet = [];
    private readonly PriorityQueue<long, long> _laterActivities = new();
    private readonly HashSet<long> _leasedActivities = [];
    private readonly HashSet<long> _deferredActivities = [];

    public void AddRun(string runId, long visibleAtMs, long nowMs)
    {
        lock (_gate)
        {
            if (visibleAtMs <= nowMs)
            {
                EnqueueRun(runId);
            }
            else
            {
                _laterRuns.Enqueue(runId, visibleAtMs);
            }
        }
    }

    public void AddActivity(long id, long visibleAtMs, long nowMs)
    {
        lock (_gate)
        {
            if (visibleAtMs <= nowMs)
            {
                if (_readyActivitySet.Add(id))
                {
                    _readyActivities.Enqueue(id);
                }
            }
            else
            {
                _laterActivities.Enqueue(id, visibleAtMs);
            }
        }
    }

    private void EnqueueRun(string runId)
    {
        if (_leasedRuns.Contains(runId))
        {
            // Being processed: look again when its lease is released.
            _deferredRuns.Add(runId);
        }
        else if (_readyRunSet.Add(runId))
        {
            _readyRuns.Enqueue(runId);
        }
    }

    private bool Promote(long nowMs)
    {
        var promoted = false;
        while (_laterRuns.TryPeek(out var run, out var at) && at <= nowMs)
        {
            _laterRuns.Dequeue();
            EnqueueRun(run);
            promoted = true;
        }
        while (_laterActivities.TryPeek(out var id, out var at) && at <= nowMs)
        {
            _laterActivities.Dequeue();
            if (_readyActivitySet.Add(id))
            {
                _readyActivities.Enqueue(id);
            }
            promoted = true;
        }
        return promoted;
    }

    /// <summary>Takes up to <paramref name="max"/> ready runs and leases them.</summary>
    public List<string> LeaseRuns(int max, long nowMs)
    {
        var runs = new List<string>();
        lock (_gate)
        {
            Promote(nowMs);
            while (runs.Count < max && _readyRuns.TryDequeue(out var run))
            {
                _readyRunSet.Remove(run);
                if (_leasedRuns.Add(run))
                {
                    runs.Add(run);
                }
                else
                {
                    _deferredRuns.Add(run);
                }
            }
        }
        return runs;
    }

    public void ReleaseRun(string runId)
    {
        lock (_gate)
        {
            _leasedRuns.Remove(runId);
            if (_deferredRuns.Remove(runId) && _readyRunSet.Add(runId))
            {
                _readyRuns.Enqueue(runId);
            }
        }
    }

    public List<long> LeaseActivities(int max, long nowMs)
    {
        var ids = new List<long>();
        lock (_gate)
        {
            Promote(nowMs);
            while (ids.Count < max && _readyActivities.TryDequeue(out var id))
            {
                _readyActivitySet.Remove(id);
                if (_leasedActivities.Add(id))
                {
                    ids.Add(id);
                }
                else
                {
                    // Rescheduled (a retry due at once) before its previous attempt's lease was released: queued again on release.
                    _deferredActivities.Add(id);
                }
            }
        }
        return ids;
    }

    /// <summary>Marks an activity leased that was never queued: the committing host runs it at once (eager dispatch).</summary>
    public void LeaseActivity(long id)
    {
        lock (_gate)
        {
            _leasedActivities.Add(id);
        }
    }

    public void ReleaseActivity(long id)
    {
        lock (_gate)
        {
            _leasedActivities.Remove(id);
            if (_deferredActivities.Remove(id) && _readyActivitySet.Add(id))
            {
                _readyActivities.Enqueue(id);
            }
        }
    }

    /// <summary>The earliest future time something becomes due; whether anything just became due (the caller wakes the worker).</summary>
    public (long? Next, bool Promoted) NextDue(long nowMs)
    {
        lock (_gate)
        {
            var promoted = Promote(nowMs);
            long? next = null;
            if (_laterRuns.TryPeek(out _, out var run))
            {
                next = run;
            }
            if (_laterActivities.TryPeek(out _, out var activity) && (next is null || activity < next))
            {
                next = activity;
            }
            return (next, promoted);
        }
    }
}
