namespace Durable.Runtime;

/// <summary>
/// Sticky cache of running workflows, bounded by LRU. A run is taken out while an activation runs
/// and put back after its commit, so no two threads ever touch one instance.
/// </summary>
internal sealed class WorkflowCache(int capacity)
{
    private readonly Dictionary<string, LinkedListNode<WorkflowInstance>> _map = new(StringComparer.Ordinal);
    private readonly LinkedList<WorkflowInstance> _lru = new();
    private readonly object _gate = new();

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _map.Count;
            }
        }
    }

    public WorkflowInstance? Take(string runId)
    {
        lock (_gate)
        {
            if (!_map.Remove(runId, out var node))
            {
                return null;
            }
            _lru.Remove(node);
            return node.Value;
        }
    }

    public void Put(WorkflowInstance instance)
    {
        if (capacity <= 0)
        {
            return;
        }
        lock (_gate)
        {
            if (_map.Remove(instance.RunId, out var existing))
            {
                _lru.Remove(existing);
            }
            _map[instance.RunId] = _lru.AddFirst(instance);
            while (_map.Count > capacity)
            {
                var last = _lru.Last!;
                _lru.RemoveLast();
                _map.Remove(last.Value.RunId);
            }
        }
    }

    public void Clear()
    {
        lock (_gate)
        {
            _map.Clear();
            _lru.Clear();
        }
    }
}
