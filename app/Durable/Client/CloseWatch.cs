using System.Collections.Concurrent;
using Durable.Storage;

namespace Durable.Client;

/// <summary>
/// One reader of the change feed for all result waiters of a client: each commit that changes
/// something is read once, and only the waiters of workflows that closed wake up.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "The gate never allocates a wait handle; it lives as long as the client.")]
internal sealed class CloseWatch
{
    private readonly IWorkflowStore _store;
    private readonly ConcurrentDictionary<string, List<TaskCompletionSource>> _waiters = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _pumpGate = new(1, 1);
    private long _position = -1;
    private int _pending;

    public CloseWatch(IWorkflowStore store)
    {
        _store = store;
        store.Changed += OnChanged;
    }

    public Task Register(string workflowId)
    {
        var tcs = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var list = _waiters.GetOrAdd(workflowId, _ => []);
        lock (list)
        {
            list.Add(tcs);
        }
        if (Interlocked.CompareExchange(ref _position, 0, -1) == -1)
        {
            _ = InitializePositionAsync();
        }
        return tcs.Task;
    }

    public void Unregister(string workflowId, Task waiter)
    {
        if (_waiters.TryGetValue(workflowId, out var list))
        {
            lock (list)
            {
                list.RemoveAll(t => t.Task == waiter);
                if (list.Count == 0)
                {
                    _waiters.TryRemove(new KeyValuePair<string, List<TaskCompletionSource>>(workflowId, list));
                }
            }
        }
    }

    private async Task InitializePositionAsync()
    {
        Volatile.Write(ref _position, await _store.GetLastChangeSequenceAsync(CancellationToken.None));
    }

    private void OnChanged()
    {
        if (_waiters.IsEmpty || Interlocked.Exchange(ref _pending, 1) == 1)
        {
            return;
        }
        _ = PumpAsync();
    }

    private async Task PumpAsync()
    {
        await _pumpGate.WaitAsync();
        try
        {
            Volatile.Write(ref _pending, 0);
            while (true)
            {
                var position = Volatile.Read(ref _position);
                if (position <= 0)
                {
                    position = await _store.GetLastChangeSequenceAsync(CancellationToken.None) - 1000;
                }
                var changes = await _store.ReadChangesAsync(Math.Max(0, position), 1000, CancellationToken.None);
                foreach (var change in changes)
                {
                    if (change.Kind == WorkflowChangeKind.Closed && _waiters.TryGetValue(change.WorkflowId, out var list))
                    {
                        lock (list)
                        {
                            foreach (var waiter in list)
                            {
                                waiter.TrySetResult();
                            }
                        }
                    }
                    Volatile.Write(ref _position, change.Sequence);
                }
                if (changes.Count < 1000)
                {
                    return;
                }
            }
        }
        catch (Exception)
        {
            // The waiters' own polling covers a failed read.
        }
        finally
        {
            _pumpGate.Release();
        }
    }
}
