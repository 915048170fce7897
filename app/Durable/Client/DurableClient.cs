using System.Diagnostics;
using System.Runtime.CompilerServices;
using Durable.Diagnostics;
using Durable.Hosting;
using Durable.Runtime;
using Durable.Storage;
using Durable.Testing;

namespace Durable.Client;

/// <summary>A started (or found) workflow run.</summary>
public sealed record WorkflowHandle(string WorkflowId, string RunId, bool Started, WorkflowStatus Status);

/// <summary>Starts, signals, inspects and controls workflows.</summary>
public sealed class DurableClient
{
    private readonly DurableEngine engine;
    private readonly CloseWatch _closeWatch;

    public DurableClient(DurableEngine engine)
    {
        this.engine = engine;
        _closeWatch = new CloseWatch(engine.Store);
    }

    private IWorkflowStore Store => engine.Store;

    /// <summary>Starts a workflow; the id is the idempotency key (see <see cref="StartWorkflowOptions"/> for what happens when it exists).</summary>
    public Task<WorkflowHandle> StartAsync<TWorkflow, TInput, TResult>(string workflowId, TInput input, StartWorkflowOptions? options = null, CancellationToken cancellationToken = default)
        where TWorkflow : Workflow<TInput, TResult> =>
        StartJsonAsync(WorkflowNames.Of<TWorkflow>(), workflowId, DurableJson.Serialize(input), options, cancellationToken);

    /// <summary>Starts a workflow by type name with JSON input, for callers that do not reference its class.</summary>
    public async Task<WorkflowHandle> StartJsonAsync(string workflowType, string workflowId, string? inputJson, StartWorkflowOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(workflowType);
        ArgumentException.ThrowIfNullOrEmpty(workflowId);
        await engine.EnsureInitializedAsync();
        options ??= new StartWorkflowOptions();
        using var span = DurableTelemetry.Source.StartActivity($"StartWorkflow:{workflowType}", ActivityKind.Client);
        span?.SetTag("durable.workflow.id", workflowId);
        span?.SetTag("durable.workflow.type", workflowType);
        var now = engine.Time.GetUtcNow();
        var result = await Store.StartWorkflowAsync(NewWorkflow(workflowType, workflowId, inputJson, options, now), cancellationToken);
        span?.SetTag("durable.run.id", result.RunId);
        span?.SetTag("durable.workflow.started", result.Started);
        if (result.Started)
        {
            DurableTelemetry.WorkflowsStarted.Add(1, new KeyValuePair<string, object?>("type", workflowType));
        }
        return new WorkflowHandle(result.WorkflowId, result.RunId, result.Started, result.Status);
    }

    public Task SignalAsync<T>(string workflowId, string signalName, T argument, CancellationToken cancellationToken = default) =>
        SignalJsonAsync(workflowId, signalName, DurableJson.Serialize(argument), cancellationToken);

    /// <summary>Delivers a signal whose argument is already JSON; throws <see cref="WorkflowNotFoundException"/> when no run of that id is running.</summary>
    public async Task SignalJsonAsync(string workflowId, string signalName, string? argumentJson, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(workflowId);
        ArgumentException.ThrowIfNullOrEmpty(signalName);
        await engine.EnsureInitializedAsync();
        using var span = DurableTelemetry.Source.StartActivity($"SignalWorkflow:{signalName}", ActivityKind.Client);
        span?.SetTag("durable.workflow.id", workflowId);
        if (!await Store.SignalAsync(workflowId, Signal(signalName, argumentJson), cancellationToken))
        {
            throw new WorkflowNotFoundException(workflowId, "is not running");
        }
    }

    /// <summary>Signals the running workflow, or starts it and then delivers the signal, atomically.</summary>
    public async Task<WorkflowHandle> SignalWithStartAsync<TSignal>(string workflowType, string workflowId, string? inputJson, string signalName, TSignal argument, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(workflowType);
        ArgumentException.ThrowIfNullOrEmpty(workflowId);
        ArgumentException.ThrowIfNullOrEmpty(signalName);
        await engine.EnsureInitializedAsync();
        using var span = DurableTelemetry.Source.StartActivity($"SignalWithStartWorkflow:{workflowType}", ActivityKind.Client);
        span?.SetTag("durable.workflow.id", workflowId);
        var now = engine.Time.GetUtcNow();
        var result = await Store.SignalWithStartAsync(NewWorkflow(workflowType, workflowId, inputJson, new StartWorkflowOptions(), now),
            Signal(signalName, DurableJson.Serialize(argument)), cancellationToken);
        return new WorkflowHandle(result.WorkflowId, result.RunId, result.Started, result.Status);
    }

    public async Task<WorkflowDescription?> DescribeAsync(string workflowId, string? runId = null, CancellationToken cancellationToken = default)
    {
        await engine.EnsureInitializedAsync();
        return await Store.DescribeAsync(workflowId, runId, cancellationToken);
    }

    /// <summary>
    /// The latest run's status and custom status in one read, for callers that need no more (an API checking a
    /// state on every request), with the number of signals it has not taken in yet (a caller can wait for it to
    /// catch up with what was sent before); <see cref="DescribeAsync"/> also reads the pending work. Null when unknown.
    /// </summary>
    public async Task<WorkflowSummary?> GetSummaryAsync(string workflowId, CancellationToken cancellationToken = default)
    {
        await engine.EnsureInitializedAsync();
        return await Store.GetSummaryAsync(workflowId, cancellationToken);
    }

    /// <summary>
    /// Waits for the workflow to close (following continue-as-new to the last run) and returns its result;
    /// throws <see cref="WorkflowFailedException"/> when it failed, was cancelled or terminated.
    /// </summary>
    public async Task<TResult> GetResultAsync<TResult>(string workflowId, CancellationToken cancellationToken = default)
    {
        await engine.EnsureInitializedAsync();
        // Under test, waiting for a result is what lets idle time skip ahead.
        using var skipping = (engine.Time as SkippingTimeProvider)?.AllowSkipping();
        var delay = TimeSpan.FromMilliseconds(100);
        while (true)
        {
            // Register before reading so a close between the read and the wait is not missed.
            var closed = _closeWatch.Register(workflowId);
            try
            {
                var description = await Store.DescribeAsync(workflowId, null, cancellationToken) ?? throw new WorkflowNotFoundException(workflowId);
                switch (description.Status)
                {
                    case WorkflowStatus.Completed:
                        return DurableJson.Deserialize<TResult>(description.Result);
                    case WorkflowStatus.Running or WorkflowStatus.ContinuedAsNew:
                        // Other processes sharing the store do not raise Changed here: a slow poll covers them.
                        await Task.WhenAny(closed, Task.Delay(delay, engine.Time, cancellationToken));
                        cancellationToken.ThrowIfCancellationRequested();
                        delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 1000));
                        break;
                    default:
                        throw new WorkflowFailedException(workflowId, description.Status, description.Error);
                }
            }
            finally
            {
                _closeWatch.Unregister(workflowId, closed);
            }
        }
    }

    /// <summary>Asks the workflow to cancel: its cancellation token fires and it decides how to end. False when not running.</summary>
    public async Task<bool> CancelAsync(string workflowId, CancellationToken cancellationToken = default)
    {
        await engine.EnsureInitializedAsync();
        return await Store.RequestCancelAsync(workflowId, cancellationToken);
    }

    /// <summary>Ends the workflow at once without running its code. False when not running.</summary>
    public async Task<bool> TerminateAsync(string workflowId, string reason, CancellationToken cancellationToken = default)
    {
        await engine.EnsureInitializedAsync();
        return await Store.TerminateAsync(workflowId, reason, cancellationToken);
    }

    public async Task<WorkflowPage> ListAsync(WorkflowQuery query, CancellationToken cancellationToken = default)
    {
        await engine.EnsureInitializedAsync();
        return await Store.ListAsync(query, cancellationToken);
    }

    public async Task<IReadOnlyList<HistoryEvent>> GetHistoryAsync(string workflowId, string? runId = null, CancellationToken cancellationToken = default)
    {
        await engine.EnsureInitializedAsync();
        return await Store.GetHistoryAsync(workflowId, runId, cancellationToken);
    }

    /// <summary>
    /// The change feed: every start, custom-status change, stuck report and close, in commit order, from
    /// <paramref name="afterSequence"/> (null: from now on) until cancelled.
    /// </summary>
    public async IAsyncEnumerable<WorkflowChange> WatchAsync(long? afterSequence = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await engine.EnsureInitializedAsync();
        // Not disposed: the store may raise Changed on another thread just after the handler is removed.
        var changed = new SemaphoreSlim(0);
        void OnChanged()
        {
            if (changed.CurrentCount == 0)
            {
                changed.Release();
            }
        }
        Store.Changed += OnChanged;
        try
        {
            var position = afterSequence ?? await Store.GetLastChangeSequenceAsync(cancellationToken);
            while (!cancellationToken.IsCancellationRequested)
            {
                var batch = await Store.ReadChangesAsync(position, 500, cancellationToken);
                foreach (var change in batch)
                {
                    position = change.Sequence;
                    yield return change;
                }
                if (batch.Count < 500)
                {
                    try
                    {
                        await changed.WaitAsync(engine.Options.PollInterval, cancellationToken);
                    }
                    catch (OperationCanceledException)
                    {
                        yield break;
                    }
                }
            }
        }
        finally
        {
            Store.Changed -= OnChanged;
        }
    }

    private NewWorkflow NewWorkflow(string type, string id, string? input, StartWorkflowOptions options, DateTimeOffset now) =>
        new(id, RunIds.New(), type, input, now, now + (options.StartDelay ?? TimeSpan.Zero), Activity.Current?.Id,
            options.IdReusePolicy, options.IdConflictPolicy);

    private HistoryEvent Signal(string name, string? payload) => new()
    {
        Type = HistoryEventType.SignalReceived, Name = name, Payload = payload, Timestamp = engine.Time.GetUtcNow(), TraceParent = Activity.Current?.Id,
    };
}
