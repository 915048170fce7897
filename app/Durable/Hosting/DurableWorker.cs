using System.Collections.Concurrent;
using System.Diagnostics;
using Durable.Diagnostics;
using Durable.Runtime;
using Durable.Storage;
using Durable.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Durable.Hosting;

/// <summary>
/// Runs workflow activations and activities claimed from the store, within concurrency limits.
/// Woken by commits in this process, by the next timer due, and at worst by the poll interval.
/// </summary>
public sealed partial class DurableWorker : BackgroundService
{
    private readonly DurableEngine _engine;
    private readonly IServiceProvider _services;
    private readonly ILogger<DurableWorker> _logger;
    private readonly ILoggerFactory _loggerFactory;
    private readonly WorkflowCache _cache;
    private readonly SemaphoreSlim _workflowWake = new(0);
    private readonly SemaphoreSlim _activityWake = new(0);
    private readonly object _inflightGate = new();
    private readonly HashSet<Task> _inflight = [];
    /// <summary>Runs whose last commit acknowledged a signal to a workflow not running (see <see cref="UndeliverableSignalException"/>).</summary>
    private readonly ConcurrentDictionary<string, byte> _undeliveredSignals = new(StringComparer.Ordinal);
    private int _workflowTasks;
    private int _activityTasks;
    private int _activityClaims;
    private CancellationTokenSource? _activityAbort;

    public DurableWorker(DurableEngine engine, IServiceProvider services, ILoggerFactory loggerFactory)
    {
        _engine = engine;
        _services = services;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger<DurableWorker>();
        _cache = new WorkflowCache(engine.Options.CacheCapacity);
    }

    private IWorkflowStore Store => _engine.Store;
    private DurableOptions Options => _engine.Options;

    /// <summary><see cref="DurableOptions.MaxConcurrentWorkflowTasks"/>, or the store's default when it is not set.</summary>
    public int WorkflowTaskLimit => Options.MaxConcurrentWorkflowTasks ?? (Store is SqliteWorkflowStore ? 256 : 64);

    /// <summary>Running workflows held in memory.</summary>
    public int CachedWorkflows => _cache.Count;

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        await _engine.EnsureInitializedAsync();
        if (!Options.WorkerEnabled)
        {
            return;
        }
        Store.WorkAvailable += Wake;
        await base.StartAsync(cancellationToken);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        Store.WorkAvailable -= Wake;
        // Stop claiming, then let what is running finish so nothing is left half-done.
        await base.StopAsync(cancellationToken);
        Task[] running = [];
        using var drain = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        drain.CancelAfter(Options.DrainTimeout);
        try
        {
            // Until nothing runs: a finishing activation may start the activities its commit leased to this worker.
            while (true)
            {
                lock (_inflightGate)
                {
                    running = [.. _inflight.Where(t => !t.IsCompleted)];
                }
                if (running.Length == 0)
                {
                    break;
                }
                await Task.WhenAll(running).WaitAsync(drain.Token);
            }
        }
        catch (OperationCanceledException)
        {
            LogDrainTimedOut(running.Count(t => !t.IsCompleted));
            _activityAbort?.Cancel();
        }
        catch (Exception)
        {
            // Each task logs its own failure.
        }
        _cache.Clear();
    }

    private void Wake()
    {
        Release(_workflowWake);
        Release(_activityWake);
    }

    private static void Release(SemaphoreSlim semaphore)
    {
        if (semaphore.CurrentCount == 0)
        {
            try
            {
                semaphore.Release();
            }
            catch (SemaphoreFullException)
            {
                // Already signalled.
            }
        }
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _activityAbort = new CancellationTokenSource();
        return Task.WhenAll(
            Task.Run(() => WorkflowLoopAsync(stoppingToken), CancellationToken.None),
            Task.Run(() => ActivityLoopAsync(stoppingToken), CancellationToken.None));
    }

    private async Task WorkflowLoopAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var free = WorkflowTaskLimit - Volatile.Read(ref _workflowTasks);
                if (free <= 0)
                {
                    // Full: a finishing task releases the wake.
                    await _workflowWake.WaitAsync(Options.PollInterval, stoppingToken);
                    continue;
                }
                var tasks = await Store.ClaimWorkflowTasksAsync(free, _engine.Time.GetUtcNow(), stoppingToken);
                foreach (var task in tasks)
                {
                    Interlocked.Increment(ref _workflowTasks);
                    Track(Task.Run(() => ProcessWorkflowTaskAsync(task), CancellationToken.None));
                }
                if (tasks.Count == 0)
                {
                    await WaitAsync(_workflowWake, skipTime: true, stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                LogLoopError(ex, "workflow");
                await WaitAsync(_workflowWake, skipTime: false, stoppingToken);
            }
        }
    }

    private async Task ActivityLoopAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var free = Options.MaxConcurrentActivities - Volatile.Read(ref _activityTasks);
                if (free <= 0)
                {
                    // Full: a finishing task releases the wake.
                    await _activityWake.WaitAsync(Options.PollInterval, stoppingToken);
                    continue;
                }
                // Leased but not yet counted activities must not look idle to the time-skipping check.
                Interlocked.Increment(ref _activityClaims);
                int claimed;
                try
                {
                    var tasks = await Store.ClaimActivityTasksAsync(free, _engine.Time.GetUtcNow(), stoppingToken);
                    foreach (var task in tasks)
                    {
                        Interlocked.Increment(ref _activityTasks);
                        Track(Task.Run(() => RunActivityAsync(task), CancellationToken.None));
                    }
                    claimed = tasks.Count;
                }
                finally
                {
                    Interlocked.Decrement(ref _activityClaims);
                }
                if (claimed == 0)
                {
                    await WaitAsync(_activityWake, skipTime: false, stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                LogLoopError(ex, "activity");
                await WaitAsync(_activityWake, skipTime: false, stoppingToken);
            }
        }
    }

    private void Track(Task task)
    {
        lock (_inflightGate)
        {
            _inflight.Add(task);
        }
        task.ContinueWith(t =>
        {
            lock (_inflightGate)
            {
                _inflight.Remove(t);
            }
        }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private async Task WaitAsync(SemaphoreSlim wake, bool skipTime, CancellationToken stoppingToken)
    {
        var now = _engine.Time.GetUtcNow();
        DateTimeOffset? due;
        try
        {
            due = await Store.GetNextDueTimeAsync(now, stoppingToken);
        }
        catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
        {
            // A shared store can be out of reach for a while: wait one poll interval and try again.
            LogLoopError(ex, "wait");
            due = null;
            skipTime = false;
        }
        if (skipTime && _engine.Time is SkippingTimeProvider { IsSkippingAllowed: true } skipping && due is { } next && next > now && await IsIdleAsync(now, stoppingToken))
        {
            // Nothing can happen before the next timer: jump to it, as Temporal's test server does.
            skipping.AdvanceTo(next);
            Wake();
            return;
        }
        var delay = Options.PollInterval;
        if (due is { } d && d - now < delay)
        {
            delay = d - now < TimeSpan.Zero ? TimeSpan.Zero : d - now;
        }
        if (skipTime && _engine.Time is SkippingTimeProvider && due is not null)
        {
            // While time skipping, wait briefly in real time so idleness is re-checked soon.
            delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds, 20));
        }
        if (_engine.Time is ScaledTimeProvider scaled)
        {
            // The due time is in scaled time; the wait is in real time.
            delay /= scaled.Scale;
        }
        await wake.WaitAsync(delay, stoppingToken);
    }

    private async Task<bool> IsIdleAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _workflowTasks) != 0 || Volatile.Read(ref _activityTasks) != 0)
        {
            return false;
        }
        // Claimable work still in the store (not yet picked up) means time must not move.
        var workflows = await Store.ClaimWorkflowTasksAsync(1, now, cancellationToken);
        foreach (var task in workflows)
        {
            Store.ReleaseWorkflowTask(task.RunId, retry: true);
        }
        if (workflows.Count > 0)
        {
            return false;
        }
        var activities = await Store.ClaimActivityTasksAsync(1, now, cancellationToken);
        foreach (var task in activities)
        {
            Interlocked.Increment(ref _activityTasks);
            Track(Task.Run(() => RunActivityAsync(task), CancellationToken.None));
        }
        // Claims before tasks: a claim in progress counts its activities before it ends.
        return activities.Count == 0 && Volatile.Read(ref _workflowTasks) == 0 && Volatile.Read(ref _activityClaims) == 0
            && Volatile.Read(ref _activityTasks) == 0;
    }

    // ---- workflow activations ----

    private static readonly KeyValuePair<string, object?> WorkflowKind = new("kind", "workflow");
    private static readonly KeyValuePair<string, object?> ActivityKindTag = new("kind", "activity");

    /// <summary>Signals' spans and counts, the backlog felt by this activation, and the context its own signals carry.</summary>
    private static void RecordInputs(WorkflowInstance instance, WorkflowTask task, List<HistoryEvent> inputs, DateTimeOffset now)
    {
        instance.SignalContext = null;
        var oldest = now;
        foreach (var input in inputs)
        {
            oldest = input.Timestamp < oldest ? input.Timestamp : oldest;
            if (input.Type != HistoryEventType.SignalReceived)
            {
                continue;
            }
            DurableTelemetry.SignalsReceived.Add(1, new KeyValuePair<string, object?>("type", task.Type));
            DurableTelemetry.EmitSignal(input, instance.WorkflowSpan, task.WorkflowId, task.RunId, task.Type);
            instance.SignalContext = input.TraceParent ?? instance.SignalContext;
        }
        DurableTelemetry.TaskWait.Record((now - oldest).TotalMilliseconds, WorkflowKind);
    }

    private async Task ProcessWorkflowTaskAsync(WorkflowTask task)
    {
        var started = Stopwatch.GetTimestamp();
        DurableTelemetry.ActiveTasks.Add(1, WorkflowKind);
        WorkflowInstance? instance = null;
        var settled = false;
        var reserved = 0;
        try
        {
            var definition = _engine.Registry.FindWorkflow(task.Type)
                ?? throw new InvalidOperationException($"No workflow type '{task.Type}' is registered in this worker (registered: {string.Join(", ", _engine.Registry.RegisteredWorkflows)}).");
            instance = _cache.Take(task.RunId);
            if (instance is not null && instance.NextEventId != task.NextEventId)
            {
                instance = null;
            }
            if (instance is null)
            {
                if (task.NextEventId > 1)
                {
                    DurableTelemetry.CacheMisses.Add(1);
                }
                instance = new WorkflowInstance(definition, task.WorkflowId, task.RunId, _loggerFactory.CreateLogger(definition.WorkflowType));
                if (task.NextEventId > 1)
                {
                    var history = await Store.LoadHistoryAsync(task.RunId, CancellationToken.None);
                    instance.StartedAt = history.FirstOrDefault(e => e.Type == HistoryEventType.WorkflowStarted)?.Timestamp;
                    instance.Replay(history);
                }
                if (instance.NextEventId != task.NextEventId)
                {
                    throw new StaleHistoryException(task.RunId);
                }
            }
            else
            {
                DurableTelemetry.CacheHits.Add(1);
            }
            var inputs = task.Inbox.Select(i => i.Event).ToList();
            instance.WorkflowSpan ??= task.WorkflowSpan;
            var now = _engine.Time.GetUtcNow();
            if (inputs.Find(e => e.Type == HistoryEventType.WorkflowStarted) is { } start)
            {
                instance.StartedAt ??= start.Timestamp;
                instance.WorkflowSpan ??= DurableTelemetry.EmitPoint($"RunWorkflow:{task.Type}", start.TraceParent, task.WorkflowId, task.RunId, task.Type);
            }
            RecordInputs(instance, task, inputs, now);
            // Signals are acknowledged within the commit unless the last commit found a target not running.
            var result = instance.Activate(inputs, now, acknowledgeSignals: !_undeliveredSignals.TryRemove(task.RunId, out _));
            var nextRunId = result.Completion == CommitCompletion.ContinuedAsNew ? RunIds.New() : null;
            // Eager dispatch: activities this activation schedules are leased to this worker by the commit and run at once, as many
            // as there are free activity slots (reserved now), when this worker can run them all.
            reserved = result.Completion == CommitCompletion.None ? ReserveActivitySlots(result.NewEvents) : 0;
            var leased = await Store.CommitActivationAsync(new ActivationCommit
            {
                WorkflowId = task.WorkflowId,
                RunId = task.RunId,
                Type = task.Type,
                ExpectedNextEventId = task.NextEventId,
                ConsumedInbox = task.Inbox.Select(i => i.Id).ToList(),
                NewEvents = result.NewEvents,
                Now = now,
                CustomStatus = result.CustomStatus,
                CustomStatusChanged = result.CustomStatusChanged,
                PassedStatuses = result.PassedStatuses,
                BufferedSignals = result.BufferedSignals,
                WorkflowSpan = instance.WorkflowSpan,
                Completion = result.Completion,
                Result = result.Result,
                Error = result.Error,
                NextRunId = nextRunId,
                LeaseActivities = reserved,
            }, CancellationToken.None);
            settled = true;
            foreach (var activity in leased.Take(reserved))
            {
                reserved--;
                Track(Task.Run(() => RunActivityAsync(activity), CancellationToken.None));
            }
            DurableTelemetry.Activations.Add(1, new KeyValuePair<string, object?>("type", task.Type));
            if (result.Completion == CommitCompletion.None)
            {
                _cache.Put(instance);
            }
            else
            {
                DurableTelemetry.WorkflowsClosed.Add(1, new KeyValuePair<string, object?>("status", result.Completion.ToString()));
                if (instance.StartedAt is { } startedAt)
                {
                    DurableTelemetry.WorkflowDuration.Record((now - startedAt).TotalMilliseconds,
                        new KeyValuePair<string, object?>("type", task.Type), new KeyValuePair<string, object?>("status", result.Completion.ToString()));
                }
                DurableTelemetry.EmitPoint($"CompleteWorkflow:{task.Type}", instance.WorkflowSpan, task.WorkflowId, task.RunId, task.Type);
            }
        }
        catch (UndeliverableSignalException)
        {
            // Nothing was committed and the instance ran ahead on the acknowledgement: drop it, and let the run's next activation
            // take its signals' results from the store (a failure the code may handle), not acknowledge them itself.
            _undeliveredSignals[task.RunId] = 0;
        }
        catch (StaleHistoryException)
        {
            // Terminated or advanced elsewhere meanwhile: the next claim starts from the store's truth.
            LogStale(task.WorkflowId, task.RunId);
            settled = true;
        }
        catch (Exception ex)
        {
            DurableTelemetry.WorkflowsStuck.Add(1);
            var attempts = task.StuckAttempts + 1;
            var delay = TimeSpan.FromMilliseconds(Math.Min(Options.StuckRetryMaxDelay.TotalMilliseconds, 1000 * Math.Pow(2, Math.Min(attempts - 1, 20))));
            LogStuck(ex, task.WorkflowId, task.RunId, attempts, delay);
            try
            {
                await Store.MarkStuckAsync(task.RunId, $"{ex.GetType().Name}: {ex.Message}", _engine.Time.GetUtcNow() + delay, instance?.WorkflowSpan, CancellationToken.None);
                settled = true;
            }
            catch (Exception markError)
            {
                LogLoopError(markError, "workflow");
            }
        }
        finally
        {
            if (reserved > 0)
            {
                // Activity slots reserved and not used (the commit failed or leased fewer) go back to the activity loop.
                Interlocked.Add(ref _activityTasks, -reserved);
                Release(_activityWake);
            }
            DurableTelemetry.ActivationDuration.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            DurableTelemetry.ActiveTasks.Add(-1, WorkflowKind);
            Store.ReleaseWorkflowTask(task.RunId, retry: !settled);
            Interlocked.Decrement(ref _workflowTasks);
            Release(_workflowWake);
        }
    }

    // ---- activities ----

    /// <summary>Reserves an activity slot for each activity <paramref name="newEvents"/> schedules, if there are free slots and all are registered here.</summary>
    private int ReserveActivitySlots(IReadOnlyList<HistoryEvent> newEvents)
    {
        var wanted = 0;
        foreach (var e in newEvents)
        {
            if (e.Type != HistoryEventType.ActivityScheduled)
            {
                continue;
            }
            if (_engine.Registry.FindActivity(e.Name!) is null)
            {
                // Another worker may have it: leave them all to the claims.
                return 0;
            }
            wanted++;
        }
        while (wanted > 0)
        {
            var current = Volatile.Read(ref _activityTasks);
            var take = Math.Min(wanted, Options.MaxConcurrentActivities - current);
            if (take <= 0)
            {
                return 0;
            }
            if (Interlocked.CompareExchange(ref _activityTasks, current + take, current) == current)
            {
                return take;
            }
        }
        return 0;
    }

    private async Task RunActivityAsync(ActivityTask task)
    {
        var started = Stopwatch.GetTimestamp();
        var outcome = "completed";
        DurableTelemetry.ActiveTasks.Add(1, ActivityKindTag);
        if (task.Attempt == 1)
        {
            DurableTelemetry.TaskWait.Record(Math.Max(0, (_engine.Time.GetUtcNow() - task.ScheduledAt).TotalMilliseconds), ActivityKindTag);
        }
        using var span = DurableTelemetry.Source.StartActivity($"RunActivity:{task.Name}", ActivityKind.Internal, DurableTelemetry.ParentFrom(task.TraceParent));
        span?.SetTag(DurableTelemetry.WorkflowIdTag, task.WorkflowId);
        span?.SetTag(DurableTelemetry.RunIdTag, task.RunId);
        span?.SetTag("durable.activity.name", task.Name);
        span?.SetTag("durable.activity.attempt", task.Attempt);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_activityAbort?.Token ?? CancellationToken.None);
        timeout.CancelAfter(task.Options.StartToCloseTimeout);
        try
        {
            var method = _engine.Registry.FindActivity(task.Name)
                ?? throw new ApplicationFailureException($"No activity '{task.Name}' is registered in this worker.", "ActivityNotRegistered", nonRetryable: true);
            await using var scope = _services.CreateAsyncScope();
            var activity = scope.ServiceProvider.GetRequiredService(method.ActivityType);
            ActivityContext.Current = new ActivityContext(task.WorkflowId, task.RunId, task.Sequence, task.Name, task.Attempt, task.ScheduledAt, timeout.Token);
            var result = await method.InvokeAsync(activity, task.Input, timeout.Token).WaitAsync(timeout.Token);
            await Store.CompleteActivityAsync(task, new HistoryEvent
            {
                Type = HistoryEventType.ActivityCompleted, Sequence = task.Sequence, Payload = result, Timestamp = _engine.Time.GetUtcNow(),
            }, CancellationToken.None);
        }
        catch (Exception ex) when (_activityAbort?.IsCancellationRequested == true)
        {
            // Shutdown gave up waiting: the attempt is simply not recorded and runs again after restart.
            outcome = "abandoned";
            LogActivityAbandoned(ex, task.Name, task.WorkflowId);
        }
        catch (Exception ex)
        {
            var error = ex is OperationCanceledException && timeout.IsCancellationRequested
                ? new ErrorInfo("StartToCloseTimeout", $"The activity did not finish within {task.Options.StartToCloseTimeout}.")
                : ErrorInfo.From(ex);
            span?.SetStatus(ActivityStatusCode.Error, error.Message);
            var policy = task.Options.RetryPolicy;
            var nonRetryable = error.NonRetryable || policy.NonRetryableErrorTypes.Any(t =>
                string.Equals(t, error.Type, StringComparison.Ordinal) || string.Equals(t, ex.GetType().Name, StringComparison.Ordinal));
            var exhausted = policy.MaximumAttempts > 0 && task.Attempt >= policy.MaximumAttempts;
            if (nonRetryable || exhausted)
            {
                outcome = "failed";
                LogActivityFailed(task.Name, task.WorkflowId, task.Attempt, error.ToString());
                await Store.CompleteActivityAsync(task, new HistoryEvent
                {
                    Type = HistoryEventType.ActivityFailed, Sequence = task.Sequence, Error = error, Timestamp = _engine.Time.GetUtcNow(),
                }, CancellationToken.None);
            }
            else
            {
                outcome = "retried";
                var delay = policy.DelayBeforeAttempt(task.Attempt + 1);
                LogActivityRetry(task.Name, task.WorkflowId, task.Attempt, delay, error.ToString());
                await Store.RetryActivityAsync(task, task.Attempt + 1, _engine.Time.GetUtcNow() + delay, error, CancellationToken.None);
            }
        }
        finally
        {
            ActivityContext.Current = null;
            DurableTelemetry.ActivityDuration.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds, new KeyValuePair<string, object?>("activity", task.Name));
            DurableTelemetry.ActivityAttempts.Add(1, new KeyValuePair<string, object?>("outcome", outcome));
            DurableTelemetry.ActiveTasks.Add(-1, ActivityKindTag);
            Interlocked.Decrement(ref _activityTasks);
            Release(_activityWake);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "The {Loop} loop failed; retrying")]
    private partial void LogLoopError(Exception exception, string loop);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Workflow {WorkflowId} run {RunId} changed since it was claimed; skipped")]
    private partial void LogStale(string workflowId, string runId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Workflow {WorkflowId} run {RunId} is stuck (attempt {Attempt}); retrying in {Delay}")]
    private partial void LogStuck(Exception exception, string workflowId, string runId, int attempt, TimeSpan delay);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Activity {Activity} of {WorkflowId} failed on attempt {Attempt}; retrying in {Delay}: {Error}")]
    private partial void LogActivityRetry(string activity, string workflowId, int attempt, TimeSpan delay, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Activity {Activity} of {WorkflowId} failed for good on attempt {Attempt}: {Error}")]
    private partial void LogActivityFailed(string activity, string workflowId, int attempt, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Activity {Activity} of {WorkflowId} abandoned at shutdown; it runs again after restart")]
    private partial void LogActivityAbandoned(Exception exception, string activity, string workflowId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Shutdown drain timed out with {Count} tasks still running; they run again after restart")]
    private partial void LogDrainTimedOut(int count);
}

/// <summary>What a running activity knows about itself (an AsyncLocal, like Temporal's ActivityExecutionContext).</summary>
public sealed record ActivityContext(
    string WorkflowId, string RunId, int Sequence, string ActivityName, int Attempt, DateTimeOffset ScheduledAt, CancellationToken CancellationToken)
{
    private static readonly AsyncLocal<ActivityContext?> CurrentContext = new();

    public static ActivityContext? Current
    {
        get => CurrentContext.Value;
        internal set => CurrentContext.Value = value;
    }

    /// <summary>The same for every attempt of this activity: use it with external systems to make effects exactly once.</summary>
    public string IdempotencyKey => $"{WorkflowId}/{RunId}/{Sequence}";
}
