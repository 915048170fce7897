namespace Durable.Runtime;

/// <summary>
/// Runs a workflow's continuations one at a time, in the order they were queued, on the thread
/// that drives the activation. Inline execution is refused so that completing a task never runs
/// workflow code out of order: the same inputs always give the same interleaving.
/// </summary>
internal sealed class WorkflowScheduler : TaskScheduler
{
    private readonly Queue<Task> _queue = new();
    private readonly object _gate = new();
    private bool _running;

    /// <summary>Set when workflow code queued work from outside an activation (it awaited something real).</summary>
    public string? Escape { get; private set; }

    public override int MaximumConcurrencyLevel => 1;

    protected override void QueueTask(Task task)
    {
        lock (_gate)
        {
            if (!_running)
            {
                Escape ??= "Workflow code resumed outside its activation: it awaited something other than the workflow context (Task.Delay, I/O, Task.Run, ConfigureAwait(false)?).";
            }
            _queue.Enqueue(task);
        }
    }

    protected override bool TryExecuteTaskInline(Task task, bool taskWasPreviouslyQueued) => false;

    protected override IEnumerable<Task> GetScheduledTasks()
    {
        lock (_gate)
        {
            return [.. _queue];
        }
    }

    /// <summary>Opens the scheduler for an activation; continuations queued by resolving inputs are legal from here.</summary>
    public void Open()
    {
        lock (_gate)
        {
            _running = true;
        }
    }

    /// <summary>Runs queued continuations until none is left (the workflow is quiescent), then closes.</summary>
    public void RunUntilIdle()
    {
        var previous = SynchronizationContext.Current;
        SynchronizationContext.SetSynchronizationContext(null);
        try
        {
            while (true)
            {
                Task? next;
                lock (_gate)
                {
                    if (!_queue.TryDequeue(out next))
                    {
                        _running = false;
                        return;
                    }
                }
                TryExecuteTask(next);
            }
        }
        finally
        {
            SynchronizationContext.SetSynchronizationContext(previous);
        }
    }
}
