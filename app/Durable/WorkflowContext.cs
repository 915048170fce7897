using System.Linq.Expressions;
using Durable.Runtime;
using Microsoft.Extensions.Logging;

namespace Durable;

/// <summary>
/// Everything a workflow may do. Each call is either recorded in history or derived from it,
/// so the code replays to the same state after a crash.
/// </summary>
public sealed class WorkflowContext
{
    private readonly WorkflowInstance _instance;

    internal WorkflowContext(WorkflowInstance instance, ILogger logger)
    {
        _instance = instance;
        Logger = logger;
    }

    public string WorkflowId => _instance.WorkflowId;
    public string RunId => _instance.RunId;
    public string WorkflowType => _instance.Type;

    /// <summary>The time of the current activation: the same on replay.</summary>
    public DateTimeOffset UtcNow => _instance.Now;

    /// <summary>True while the code re-runs recorded history after a restart or cache eviction.</summary>
    public bool IsReplaying => _instance.IsReplaying;

    /// <summary>Seeded by the run id: the same sequence on replay.</summary>
    public Random Random => _instance.Random;

    /// <summary>Writes only when not replaying.</summary>
    public ILogger Logger { get; }

    /// <summary>Fires when cancellation of the workflow is requested; the default token of every call.</summary>
    public CancellationToken CancellationToken => _instance.CancellationToken;

    /// <summary>A token that never fires: pass it to run compensation (refunds) after cancellation.</summary>
    public CancellationToken DetachedCancellationToken => _instance.DetachedToken;

    public bool IsCancellationRequested => _instance.CancelRequested;

    /// <summary>Events in this run's history so far; continue as new before it grows without bound.</summary>
    public long HistoryLength => _instance.NextEventId - 1;

    /// <summary>A GUID made from the run's seeded random: the same on replay.</summary>
    public Guid NewGuid()
    {
        Span<byte> bytes = stackalloc byte[16];
        Random.NextBytes(bytes);
        bytes[7] = (byte)((bytes[7] & 0x0F) | 0x40);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes);
    }

    /// <summary>The queryable status of the workflow, persisted with every activation.</summary>
    public void SetStatus(object? status) => _instance.SetStatus(status);

    public async Task<TResult> ExecuteActivityAsync<TActivity, TResult>(
        Expression<Func<TActivity, Task<TResult>>> call, ActivityOptions? options = null, CancellationToken cancellationToken = default)
    {
        var (name, arguments) = ActivityCall.Describe(call);
        var result = await _instance.ScheduleActivity(name, arguments, options ?? ActivityOptions.Default, cancellationToken);
        return DurableJson.Deserialize<TResult>(result);
    }

    public Task ExecuteActivityAsync<TActivity>(
        Expression<Func<TActivity, Task>> call, ActivityOptions? options = null, CancellationToken cancellationToken = default)
    {
        var (name, arguments) = ActivityCall.Describe(call);
        return _instance.ScheduleActivity(name, arguments, options ?? ActivityOptions.Default, cancellationToken);
    }

    /// <summary>A durable timer: survives restarts, skipped over in tests.</summary>
    public Task DelayAsync(TimeSpan delay, CancellationToken cancellationToken = default) =>
        DelayUntilAsync(UtcNow + delay, cancellationToken);

    public Task DelayUntilAsync(DateTimeOffset time, CancellationToken cancellationToken = default) =>
        time <= UtcNow ? Task.CompletedTask : _instance.StartTimer(time, cancellationToken);

    /// <summary>
    /// Takes the oldest signal of that name, waiting for one if none is buffered. Signals sent before the
    /// wait are kept; each is consumed by exactly one wait. Throws <see cref="SignalTimeoutException"/> on timeout.
    /// </summary>
    public async Task<T> WaitForSignalAsync<T>(string name, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        var payload = await _instance.WaitForSignal(name, timeout, cancellationToken);
        return DurableJson.Deserialize<T>(payload);
    }

    /// <summary>
    /// Takes the oldest signal of that name if one has arrived, without waiting (no timer: what arrived with this activation
    /// or before it counts, and a workflow that then ends cannot close over a signal that came later, which re-runs it).
    /// </summary>
    public bool TryTakeSignal<T>(string name, [System.Diagnostics.CodeAnalysis.MaybeNullWhen(false)] out T value)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (!_instance.TryTakeSignal(name, out var payload))
        {
            value = default;
            return false;
        }
        value = DurableJson.Deserialize<T>(payload)!;
        return true;
    }

    /// <summary>Waits for a signal that carries no data.</summary>
    public Task WaitForSignalAsync(string name, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        return _instance.WaitForSignal(name, timeout, cancellationToken);
    }

    /// <summary>Starts a child workflow and waits for its result.</summary>
    public async Task<TResult> ExecuteChildWorkflowAsync<TWorkflow, TInput, TResult>(
        string workflowId, TInput input, ChildWorkflowOptions? options = null, CancellationToken cancellationToken = default)
        where TWorkflow : Workflow<TInput, TResult>
    {
        var child = await StartChildWorkflowAsync<TWorkflow, TInput, TResult>(workflowId, input, options, cancellationToken);
        return await child.GetResultAsync();
    }

    /// <summary>Starts a child workflow; await its handle's result, or leave it (with <see cref="ParentClosePolicy.Abandon"/>) to outlive the parent.</summary>
    public Task<ChildWorkflowHandle<TResult>> StartChildWorkflowAsync<TWorkflow, TInput, TResult>(
        string workflowId, TInput input, ChildWorkflowOptions? options = null, CancellationToken cancellationToken = default)
        where TWorkflow : Workflow<TInput, TResult>
    {
        ArgumentException.ThrowIfNullOrEmpty(workflowId);
        var (_, result) = _instance.StartChild(WorkflowNames.Of<TWorkflow>(), workflowId, DurableJson.Serialize(input), options ?? new(), cancellationToken);
        return Task.FromResult(new ChildWorkflowHandle<TResult>(workflowId, result));
    }

    /// <summary>Sends a signal to another workflow; fails with <see cref="ExternalSignalFailedException"/> if it is not running.</summary>
    public Task SignalWorkflowAsync<T>(string workflowId, string signalName, T argument)
    {
        ArgumentException.ThrowIfNullOrEmpty(workflowId);
        ArgumentException.ThrowIfNullOrEmpty(signalName);
        return _instance.SignalExternal(workflowId, signalName, DurableJson.Serialize(argument));
    }

    /// <summary>Ends this run and starts a fresh one with the same id and new input: <c>throw context.ContinueAsNew(state);</c>. Buffered signals carry over.</summary>
    public ContinueAsNewException ContinueAsNew<TInput>(TInput input) => new(DurableJson.Serialize(input));
}

public sealed class ChildWorkflowHandle<TResult>
{
    private readonly Task<string?> _result;

    internal ChildWorkflowHandle(string workflowId, Task<string?> result)
    {
        WorkflowId = workflowId;
        _result = result;
    }

    public string WorkflowId { get; }

    public async Task<TResult> GetResultAsync() => DurableJson.Deserialize<TResult>(await _result);
}
