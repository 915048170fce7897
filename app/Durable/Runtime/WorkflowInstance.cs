using System.Globalization;
using System.Text.Json;
using Durable.Storage;
using Microsoft.Extensions.Logging;

namespace Durable.Runtime;

/// <summary>The result of a live activation (and of those chained to it), ready to be committed.</summary>
/// <param name="PassedStatuses">Statuses set by chained activations before the last one that changed it, oldest first.</param>
internal sealed record ActivationResult(
    IReadOnlyList<HistoryEvent> NewEvents,
    CommitCompletion Completion,
    string? Result,
    ErrorInfo? Error,
    string? CustomStatus,
    bool CustomStatusChanged,
    IReadOnlyList<string?> PassedStatuses,
    IReadOnlyList<BufferedSignal> BufferedSignals);

/// <summary>A workflow run in memory: its code, its pending operations, its replay position.</summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "Its token sources have no timers; nothing unmanaged to release.")]
internal sealed class WorkflowInstance
{
    private readonly IWorkflowDefinition _definition;
    private readonly WorkflowScheduler _scheduler = new();
    private readonly Dictionary<int, Action<HistoryEvent>> _pending = [];
    private readonly List<BufferedSignal> _buffered = [];
    private readonly Dictionary<string, LinkedList<Action<string?>>> _waiters = new(StringComparer.Ordinal);
    private readonly List<HistoryEvent> _commands = [];
    private readonly CancellationTokenSource _cancellation = new();
    private readonly CancellationTokenSource _detached = new();
    private Queue<HistoryEvent>? _expected;
    private long _replayBatchStart;
    private int _nextSequence = 1;
    private Task<string?>? _main;
    private object? _customStatus;
    private string? _committedCustomStatus;
    private Exception? _fatal;

    public WorkflowInstance(IWorkflowDefinition definition, string workflowId, string runId, ILogger logger)
    {
        _definition = definition;
        WorkflowId = workflowId;
        RunId = runId;
        Random = new Random(StableHash(runId));
        Context = new WorkflowContext(this, new ReplaySafeLogger(logger, this));
    }

    public string WorkflowId { get; }
    public string RunId { get; }
    public string Type => _definition.Name;
    public WorkflowContext Context { get; }
    public Random Random { get; }
    public DateTimeOffset Now { get; private set; }
    public bool IsReplaying { get; private set; }
    public long NextEventId { get; private set; } = 1;
    public bool CancelRequested { get; private set; }
    public string? WorkflowSpan { get; set; }

    /// <summary>
    /// The trace context signals sent by this activation carry: the last signal it received, when any, so a chain of
    /// signals (a phone's pickup through the twin to the delivery) stays linked to what caused it; else the run's span.
    /// </summary>
    public string? SignalContext { get; set; }

    /// <summary>When the run started (engine time), for its duration metric.</summary>
    public DateTimeOffset? StartedAt { get; set; }
    public CancellationToken CancellationToken => _cancellation.Token;
    public CancellationToken DetachedToken => _detached.Token;

    // ---- driving ----

    /// <summary>Re-runs the code against recorded history, checking every command it issues.</summary>
    public void Replay(IReadOnlyList<HistoryEvent> history)
    {
        var index = 0;
        while (index < history.Count)
        {
            var start = history[index];
            if (start.Type != HistoryEventType.ActivationStarted)
            {
                if (start.Type == HistoryEventType.WorkflowTerminated)
                {
                    index++;
                    continue;
                }
                throw new InvalidOperationException($"History of '{WorkflowId}' is malformed at event {start.EventId}: expected ActivationStarted, found {start.Type}.");
            }
            var end = index + 1;
            while (end < history.Count && history[end].Type != HistoryEventType.ActivationStarted)
            {
                end++;
            }
            var inputs = new List<HistoryEvent>();
            var expected = new Queue<HistoryEvent>();
            for (var i = index + 1; i < end; i++)
            {
                var e = history[i];
                if (e.Type == HistoryEventType.WorkflowTerminated)
                {
                    continue;
                }
                if (e.IsCommand)
                {
                    expected.Enqueue(e);
                }
                else
                {
                    inputs.Add(e);
                }
            }
            IsReplaying = true;
            _expected = expected;
            _replayBatchStart = start.EventId;
            RunBatch(start.Timestamp, inputs);
            if (_fatal is null && _main is { IsCompleted: true })
            {
                var completion = CompletionEvent(out _, out _, out _, out var bug);
                if (bug is not null)
                {
                    _fatal = bug;
                }
                else
                {
                    AddCommand(completion);
                }
            }
            if (_fatal is null && expected.TryPeek(out var missing))
            {
                _fatal = new NonDeterminismException(
                    $"Workflow '{WorkflowId}' ({Type}, run {RunId}) is not deterministic: history has {missing} (event {missing.EventId}) but the code no longer issues it.");
            }
            ThrowIfFatal();
            NextEventId = history[end - 1].EventId + 1;
            index = end;
        }
        _expected = null;
        IsReplaying = false;
        _committedCustomStatus = SerializeStatus();
    }

    private string? SerializeStatus() =>
        _customStatus is null ? null : JsonSerializer.Serialize(_customStatus, _customStatus.GetType(), DurableJson.Options);

    /// <summary>The most activations one commit chains (see <see cref="Activate"/>), so a workflow that only sends signals still commits now and then.</summary>
    internal const int MaxChainedActivations = 16;

    /// <summary>
    /// Applies new inputs, runs the code to quiescence and returns what to commit. With <paramref name="acknowledgeSignals"/>, an
    /// activation that sends signals is followed at once by another whose inputs are their acknowledgements (delivered), and so on:
    /// the commit carries them all, and the store delivers those signals or refuses it with <see cref="UndeliverableSignalException"/>.
    /// The history is the same as if each acknowledgement had come back from the store in an activation of its own, one commit sooner.
    /// </summary>
    public ActivationResult Activate(IReadOnlyList<HistoryEvent> inputs, DateTimeOffset now, bool acknowledgeSignals)
    {
        IsReplaying = false;
        _expected = null;
        var events = new List<HistoryEvent>(inputs.Count + 8);
        var statuses = new List<string?>();
        var completion = ActivateOnce(inputs, now, events, statuses, out var result, out var error);
        for (var chained = 1; acknowledgeSignals && completion == CommitCompletion.None && chained < MaxChainedActivations; chained++)
        {
            var acknowledgements = new List<HistoryEvent>();
            foreach (var command in _commands)
            {
                if (command.Type == HistoryEventType.ExternalSignalSent)
                {
                    acknowledgements.Add(new HistoryEvent { Type = HistoryEventType.ExternalSignalResult, Sequence = command.Sequence, Timestamp = now });
                }
            }
            if (acknowledgements.Count == 0)
            {
                break;
            }
            completion = ActivateOnce(acknowledgements, now, events, statuses, out result, out error);
        }
        var passed = statuses.Count > 1 ? statuses[..^1] : [];
        return new ActivationResult(events, completion, result, error, _committedCustomStatus, statuses.Count > 0, passed, [.. _buffered]);
    }

    /// <summary>One activation: appends its events to <paramref name="events"/> and its status to <paramref name="statuses"/> if it changed.</summary>
    private CommitCompletion ActivateOnce(IReadOnlyList<HistoryEvent> inputs, DateTimeOffset now, List<HistoryEvent> events, List<string?> statuses,
        out string? result, out ErrorInfo? error)
    {
        _commands.Clear();
        RunBatch(now, inputs);
        ThrowIfFatal();
        var completion = CommitCompletion.None;
        result = null;
        error = null;
        if (_main is { IsCompleted: true })
        {
            _commands.Add(CompletionEvent(out completion, out result, out error, out var bug));
            if (bug is not null)
            {
                throw bug;
            }
        }
        events.Add(new HistoryEvent { EventId = NextEventId++, Type = HistoryEventType.ActivationStarted, Timestamp = now });
        foreach (var input in inputs)
        {
            events.Add(input with { EventId = NextEventId++ });
        }
        foreach (var command in _commands)
        {
            events.Add(command with { EventId = NextEventId++, Timestamp = now });
        }
        var status = SerializeStatus();
        if (!string.Equals(status, _committedCustomStatus, StringComparison.Ordinal))
        {
            statuses.Add(status);
            _committedCustomStatus = status;
        }
        return completion;
    }

    private void RunBatch(DateTimeOffset now, IReadOnlyList<HistoryEvent> inputs)
    {
        Now = now;
        _scheduler.Open();
        foreach (var input in inputs)
        {
            Apply(input);
        }
        _scheduler.RunUntilIdle();
        if (_scheduler.Escape is { } escape)
        {
            _fatal ??= new InvalidOperationException($"Workflow '{WorkflowId}' ({Type}): {escape}");
        }
    }

    private void Apply(HistoryEvent e)
    {
        switch (e.Type)
        {
            case HistoryEventType.WorkflowStarted:
                var input = e.Payload;
                _main = Task.Factory.StartNew(() => _definition.RunAsync(Context, input), CancellationToken.None, TaskCreationOptions.None, _scheduler).Unwrap();
                break;
            case HistoryEventType.SignalReceived:
                DeliverSignal(e.Name!, e.Payload);
                break;
            case HistoryEventType.CancelRequested:
                if (!CancelRequested)
                {
                    CancelRequested = true;
                    _cancellation.Cancel();
                }
                break;
            default:
                // A result for an operation that was cancelled meanwhile has nobody waiting: drop it.
                if (_pending.Remove(e.Sequence, out var resolve))
                {
                    resolve(e);
                }
                break;
        }
    }

    private void ThrowIfFatal()
    {
        if (_fatal is not null)
        {
            throw _fatal;
        }
    }

    private HistoryEvent CompletionEvent(out CommitCompletion completion, out string? result, out ErrorInfo? error, out Exception? bug)
    {
        var main = _main!;
        result = null;
        error = null;
        bug = null;
        if (main.Status == TaskStatus.RanToCompletion)
        {
            completion = CommitCompletion.Completed;
            result = main.Result;
            return new HistoryEvent { Type = HistoryEventType.WorkflowCompleted, Payload = result };
        }
        var exception = main.Exception?.InnerException;
        switch (exception)
        {
            case ContinueAsNewException can:
                completion = CommitCompletion.ContinuedAsNew;
                result = can.InputJson;
                return new HistoryEvent { Type = HistoryEventType.WorkflowContinuedAsNew, Payload = result };
            // A child cancelled because this workflow was cancelled surfaces as its failure; like a cancelled
            // timer, activity or signal wait, letting it escape ends the workflow cancelled, not failed.
            case ChildWorkflowFailedException { Error.Type: nameof(WorkflowStatus.Canceled) } when CancelRequested:
                completion = CommitCompletion.Canceled;
                return new HistoryEvent { Type = HistoryEventType.WorkflowCanceled };
            case DurableFailureException failure:
                completion = CommitCompletion.Failed;
                error = ErrorInfo.From(failure);
                return new HistoryEvent { Type = HistoryEventType.WorkflowFailed, Error = error };
            case null or OperationCanceledException when CancelRequested:
                completion = CommitCompletion.Canceled;
                return new HistoryEvent { Type = HistoryEventType.WorkflowCanceled };
            default:
                completion = CommitCompletion.None;
                bug = new WorkflowBugException(WorkflowId, Type, exception ?? new OperationCanceledException("The workflow was cancelled without a cancellation request."));
                return new HistoryEvent { Type = HistoryEventType.WorkflowFailed, Error = ErrorInfo.From(bug) };
        }
    }

    // ---- commands, called by the context on the workflow's scheduler ----

    private HistoryEvent AddCommand(HistoryEvent command)
    {
        if (_expected is null)
        {
            _commands.Add(command);
            return command;
        }
        if (!_expected.TryDequeue(out var recorded))
        {
            _fatal ??= new NonDeterminismException(
                $"Workflow '{WorkflowId}' ({Type}, run {RunId}) is not deterministic at sequence #{command.Sequence}: the code issued {command} " +
                $"but history has no further command in the activation starting at event {_replayBatchStart}.");
            return command;
        }
        if (recorded.Type != command.Type || recorded.Sequence != command.Sequence || !string.Equals(recorded.Name, command.Name, StringComparison.Ordinal)
            || !string.Equals(recorded.Target, command.Target, StringComparison.Ordinal))
        {
            _fatal ??= new NonDeterminismException(
                $"Workflow '{WorkflowId}' ({Type}, run {RunId}) is not deterministic at sequence #{recorded.Sequence} (event {recorded.EventId}): " +
                $"history has {recorded}, the code issued {command}.");
        }
        return recorded;
    }

    private CancellationToken Effective(CancellationToken token) => token == default ? _cancellation.Token : token;

    public Task<string?> ScheduleActivity(string name, string? arguments, ActivityOptions options, CancellationToken token)
    {
        var seq = _nextSequence++;
        AddCommand(new HistoryEvent
        {
            Type = HistoryEventType.ActivityScheduled, Sequence = seq, Name = name, Payload = arguments,
            Options = JsonSerializer.Serialize(options, DurableJsonContext.Default.ActivityOptions),
        });
        var tcs = new TaskCompletionSource<string?>();
        CancellationTokenRegistration registration = default;
        _pending[seq] = e =>
        {
            registration.Dispose();
            if (e.Type == HistoryEventType.ActivityCompleted)
            {
                tcs.TrySetResult(e.Payload);
            }
            else
            {
                tcs.TrySetException(new ActivityFailedException(name, seq, e.Error ?? new ErrorInfo("Unknown", "The activity failed.")));
            }
        };
        token = Effective(token);
        registration = token.Register(() =>
        {
            if (_pending.Remove(seq))
            {
                AddCommand(new HistoryEvent { Type = HistoryEventType.ActivityCancelRequested, Sequence = seq, Name = name });
                tcs.TrySetCanceled(token);
            }
        });
        return tcs.Task;
    }

    public Task StartTimer(DateTimeOffset fireAt, CancellationToken token) => StartTimer(fireAt, onFired: null, out _, Effective(token));

    private Task StartTimer(DateTimeOffset fireAt, Action? onFired, out int seq, CancellationToken token)
    {
        var sequence = seq = _nextSequence++;
        // Stores keep due times in whole milliseconds (truncated); round up so a timer never fires before its time.
        var belowMs = fireAt.UtcTicks % TimeSpan.TicksPerMillisecond;
        if (belowMs != 0)
        {
            fireAt = fireAt.AddTicks(TimeSpan.TicksPerMillisecond - belowMs);
        }
        AddCommand(new HistoryEvent { Type = HistoryEventType.TimerStarted, Sequence = sequence, Options = fireAt.ToString("O", CultureInfo.InvariantCulture) });
        var tcs = new TaskCompletionSource();
        CancellationTokenRegistration registration = default;
        _pending[sequence] = _ =>
        {
            registration.Dispose();
            onFired?.Invoke();
            tcs.TrySetResult();
        };
        registration = token.Register(() =>
        {
            if (CancelTimer(sequence))
            {
                tcs.TrySetCanceled(token);
            }
        });
        return tcs.Task;
    }

    private bool CancelTimer(int seq)
    {
        if (!_pending.Remove(seq))
        {
            return false;
        }
        AddCommand(new HistoryEvent { Type = HistoryEventType.TimerCanceled, Sequence = seq });
        return true;
    }

    public Task<string?> WaitForSignal(string name, TimeSpan? timeout, CancellationToken token)
    {
        var index = _buffered.FindIndex(s => string.Equals(s.Name, name, StringComparison.Ordinal));
        if (index >= 0)
        {
            var signal = _buffered[index];
            _buffered.RemoveAt(index);
            return Task.FromResult(signal.Payload);
        }
        token = Effective(token);
        var tcs = new TaskCompletionSource<string?>();
        if (!_waiters.TryGetValue(name, out var queue))
        {
            _waiters[name] = queue = new LinkedList<Action<string?>>();
        }
        var timerSeq = 0;
        CancellationTokenRegistration registration = default;
        var node = queue.AddLast(payload =>
        {
            registration.Dispose();
            if (timerSeq != 0)
            {
                CancelTimer(timerSeq);
            }
            tcs.TrySetResult(payload);
        });
        if (timeout is { } limit)
        {
            StartTimer(Now + limit, () =>
            {
                if (node.List is not null)
                {
                    queue.Remove(node);
                    registration.Dispose();
                    tcs.TrySetException(new SignalTimeoutException(name, limit));
                }
            }, out timerSeq, CancellationToken.None);
        }
        registration = token.Register(() =>
        {
            if (node.List is not null)
            {
                queue.Remove(node);
                if (timerSeq != 0)
                {
                    CancelTimer(timerSeq);
                }
                tcs.TrySetCanceled(token);
            }
        });
        return tcs.Task;
    }

    public bool TryTakeSignal(string name, out string? payload)
    {
        var index = _buffered.FindIndex(s => string.Equals(s.Name, name, StringComparison.Ordinal));
        payload = index >= 0 ? _buffered[index].Payload : null;
        if (index >= 0)
        {
            _buffered.RemoveAt(index);
        }
        return index >= 0;
    }

    private void DeliverSignal(string name, string? payload)
    {
        if (_waiters.TryGetValue(name, out var queue) && queue.First is { } first)
        {
            queue.RemoveFirst();
            first.Value(payload);
            return;
        }
        _buffered.Add(new BufferedSignal(name, payload));
    }

    public (int Sequence, Task<string?> Result) StartChild(string type, string workflowId, string? input, ChildWorkflowOptions options, CancellationToken token)
    {
        var seq = _nextSequence++;
        AddCommand(new HistoryEvent
        {
            Type = HistoryEventType.ChildWorkflowStarted, Sequence = seq, Name = type, Target = workflowId, Payload = input,
            Options = JsonSerializer.Serialize(options, DurableJson.Options),
        });
        var tcs = new TaskCompletionSource<string?>();
        CancellationTokenRegistration registration = default;
        _pending[seq] = e =>
        {
            registration.Dispose();
            if (e.Type == HistoryEventType.ChildWorkflowCompleted)
            {
                tcs.TrySetResult(e.Payload);
            }
            else
            {
                tcs.TrySetException(new ChildWorkflowFailedException(workflowId, e.Error ?? new ErrorInfo("Unknown", "The child workflow failed.")));
            }
        };
        token = Effective(token);
        registration = token.Register(() =>
        {
            if (_pending.ContainsKey(seq))
            {
                // The child decides how to end; its outcome still arrives as ChildWorkflowFailed/Completed.
                AddCommand(new HistoryEvent { Type = HistoryEventType.ChildWorkflowCancelRequested, Sequence = seq, Target = workflowId });
            }
        });
        return (seq, tcs.Task);
    }

    public Task SignalExternal(string workflowId, string name, string? payload)
    {
        var seq = _nextSequence++;
        AddCommand(new HistoryEvent
        {
            Type = HistoryEventType.ExternalSignalSent, Sequence = seq, Name = name, Target = workflowId, Payload = payload, TraceParent = SignalContext ?? WorkflowSpan,
        });
        var tcs = new TaskCompletionSource();
        _pending[seq] = e =>
        {
            if (e.Error is null)
            {
                tcs.TrySetResult();
            }
            else
            {
                tcs.TrySetException(new ExternalSignalFailedException(workflowId, name, e.Error.Message));
            }
        };
        return tcs.Task;
    }

    public void SetStatus(object? status) => _customStatus = status;

    private static int StableHash(string value)
    {
        unchecked
        {
            var hash = (int)2166136261;
            foreach (var c in value)
            {
                hash = (hash ^ c) * 16777619;
            }
            return hash;
        }
    }
}

/// <summary>Workflow code threw something that is not a deliberate failure: a bug, so the run is parked, not failed.</summary>
public sealed class WorkflowBugException(string workflowId, string type, Exception inner)
    : Exception($"Workflow '{workflowId}' ({type}) threw {inner.GetType().Name}: {inner.Message}", inner);
