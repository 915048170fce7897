namespace Durable.Storage;

/// <summary>
/// Everything the engine persists, behind one interface with one conformance suite.
/// Every method that changes state is atomic; work is claimed with leases so a dead
/// owner's work is taken over.
/// </summary>
public interface IWorkflowStore : IAsyncDisposable
{
    Task InitializeAsync(CancellationToken cancellationToken);

    /// <summary>Raised after a commit that made work available now (any thread).</summary>
    event Action? WorkAvailable;

    /// <summary>Raised after a commit that appended to the change feed (any thread).</summary>
    event Action? Changed;

    Task<StartResult> StartWorkflowAsync(NewWorkflow workflow, CancellationToken cancellationToken);

    /// <summary>Delivers a signal to the latest run of <paramref name="workflowId"/>; false when none is running.</summary>
    Task<bool> SignalAsync(string workflowId, HistoryEvent signal, CancellationToken cancellationToken);

    /// <summary>Signals the running run, or starts one (with the signal queued behind its start) atomically.</summary>
    Task<StartResult> SignalWithStartAsync(NewWorkflow workflow, HistoryEvent signal, CancellationToken cancellationToken);

    Task<bool> RequestCancelAsync(string workflowId, CancellationToken cancellationToken);

    Task<bool> TerminateAsync(string workflowId, string reason, CancellationToken cancellationToken);

    Task<IReadOnlyList<WorkflowTask>> ClaimWorkflowTasksAsync(int max, DateTimeOffset now, CancellationToken cancellationToken);

    Task<IReadOnlyList<HistoryEvent>> LoadHistoryAsync(string runId, CancellationToken cancellationToken);

    /// <summary>
    /// Commits an activation atomically; throws <see cref="StaleHistoryException"/> if the run moved on. Returns the activities it
    /// scheduled that the same transaction leased to this host (at most <see cref="ActivationCommit.LeaseActivities"/>: eager dispatch):
    /// the caller runs them at once, with no claim in between, and ends each with <see cref="CompleteActivityAsync"/> or
    /// <see cref="RetryActivityAsync"/> as if it had claimed it; the lease holds (and is renewed) as for a claim, so another host
    /// takes an activity over only once its lease ran out, and a crash loses nothing.
    /// </summary>
    Task<IReadOnlyList<ActivityTask>> CommitActivationAsync(ActivationCommit commit, CancellationToken cancellationToken);

    /// <summary>Parks a run whose code threw a bug or broke determinism; it is retried after <paramref name="retryAt"/>.</summary>
    /// <remarks><paramref name="workflowSpan"/>: the RunWorkflow span already emitted, kept so a retry does not emit another.</remarks>
    Task MarkStuckAsync(string runId, string error, DateTimeOffset retryAt, string? workflowSpan, CancellationToken cancellationToken);

    /// <summary>Ends a claim. <paramref name="retry"/>: nothing was committed or parked, so the run's inputs are still due.</summary>
    void ReleaseWorkflowTask(string runId, bool retry);

    Task<IReadOnlyList<ActivityTask>> ClaimActivityTasksAsync(int max, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Records the activity's outcome for its workflow; ignored if the activity was cancelled meanwhile.</summary>
    Task CompleteActivityAsync(ActivityTask task, HistoryEvent outcome, CancellationToken cancellationToken);

    Task RetryActivityAsync(ActivityTask task, int nextAttempt, DateTimeOffset visibleAt, ErrorInfo error, CancellationToken cancellationToken);

    /// <summary>The earliest time after <paramref name="now"/> at which a timer, retry or stuck run becomes due.</summary>
    Task<DateTimeOffset?> GetNextDueTimeAsync(DateTimeOffset now, CancellationToken cancellationToken);

    Task<WorkflowDescription?> DescribeAsync(string workflowId, string? runId, CancellationToken cancellationToken);

    /// <summary>The latest run of <paramref name="workflowId"/> as the run list shows it (one row, no pending work); null when unknown.</summary>
    Task<WorkflowSummary?> GetSummaryAsync(string workflowId, CancellationToken cancellationToken);

    Task<IReadOnlyList<HistoryEvent>> GetHistoryAsync(string workflowId, string? runId, CancellationToken cancellationToken);

    Task<WorkflowPage> ListAsync(WorkflowQuery query, CancellationToken cancellationToken);

    Task<IReadOnlyList<WorkflowChange>> ReadChangesAsync(long afterSequence, int max, CancellationToken cancellationToken);

    Task<long> GetLastChangeSequenceAsync(CancellationToken cancellationToken);
}

public sealed class StaleHistoryException(string runId) : Exception($"Run '{runId}' changed since it was claimed.");

/// <summary>
/// An activation commit acknowledged a signal it sends (see <see cref="ActivationCommit.NewEvents"/>) to a workflow that is not
/// running; nothing was written. The run's next activation waits for the store's answer instead.
/// </summary>
public sealed class UndeliverableSignalException(string runId, string targetWorkflowId)
    : Exception($"Run '{runId}' acknowledged its signal to '{targetWorkflowId}', which is not running.");

public sealed record NewWorkflow(
    string WorkflowId,
    string RunId,
    string Type,
    string? Input,
    DateTimeOffset CreatedAt,
    DateTimeOffset VisibleAt,
    string? TraceParent,
    WorkflowIdReusePolicy ReusePolicy,
    WorkflowIdConflictPolicy ConflictPolicy);

public sealed record StartResult(string WorkflowId, string RunId, bool Started, WorkflowStatus Status);

/// <summary>A claimed activation: the run's state and the new inputs to apply.</summary>
public sealed record WorkflowTask(
    string WorkflowId,
    string RunId,
    string Type,
    long NextEventId,
    IReadOnlyList<InboxItem> Inbox,
    string? WorkflowSpan,
    int StuckAttempts);

public sealed record InboxItem(long Id, HistoryEvent Event);

public enum CommitCompletion
{
    None,
    Completed,
    Failed,
    Canceled,
    ContinuedAsNew,
}

/// <summary>Everything one activation changes, written in one transaction.</summary>
public sealed record ActivationCommit
{
    public required string WorkflowId { get; init; }
    public required string RunId { get; init; }
    public required string Type { get; init; }
    public required long ExpectedNextEventId { get; init; }
    public required IReadOnlyList<long> ConsumedInbox { get; init; }
    /// <summary>
    /// ActivationStarted, the consumed inputs, then the commands; event ids already assigned. Chained activations follow, each
    /// starting with ActivationStarted and the acknowledgements (ExternalSignalResult, no error) of the signals sent before it:
    /// the store delivers such a signal in the same transaction, or throws <see cref="UndeliverableSignalException"/>.
    /// </summary>
    public required IReadOnlyList<HistoryEvent> NewEvents { get; init; }
    public required DateTimeOffset Now { get; init; }
    public string? CustomStatus { get; init; }
    public bool CustomStatusChanged { get; init; }
    /// <summary>Statuses that chained activations set before <see cref="CustomStatus"/>, oldest first, each a change of its own.</summary>
    public IReadOnlyList<string?> PassedStatuses { get; init; } = [];
    public IReadOnlyList<BufferedSignal> BufferedSignals { get; init; } = [];
    public string? WorkflowSpan { get; init; }
    public CommitCompletion Completion { get; init; }
    public string? Result { get; init; }
    public ErrorInfo? Error { get; init; }
    /// <summary>For continue-as-new: the next run's id.</summary>
    public string? NextRunId { get; init; }
    /// <summary>How many of the activities this activation schedules (the first ones) to lease to the committing host.</summary>
    public int LeaseActivities { get; init; }

    /// <summary>Whether a chained activation in this commit already took the signal sent as <paramref name="sequence"/> as delivered.</summary>
    public bool AcknowledgesSignal(int sequence)
    {
        foreach (var e in NewEvents)
        {
            if (e.Type == HistoryEventType.ExternalSignalResult && e.Sequence == sequence)
            {
                return true;
            }
        }
        return false;
    }
}

public sealed record ActivityTask(
    long Id,
    string WorkflowId,
    string RunId,
    int Sequence,
    string Name,
    string? Input,
    int Attempt,
    ActivityOptions Options,
    string? TraceParent,
    DateTimeOffset ScheduledAt);

public sealed record PendingActivity(int Sequence, string Name, int Attempt, DateTimeOffset NextAttemptAt, ErrorInfo? LastError);

public sealed record PendingTimer(int Sequence, DateTimeOffset FireAt);

public sealed record ChildSummary(string WorkflowId, string RunId, string Type, WorkflowStatus Status);

public sealed record WorkflowDescription
{
    public required string WorkflowId { get; init; }
    public required string RunId { get; init; }
    public required string Type { get; init; }
    public required WorkflowStatus Status { get; init; }
    public string? Input { get; init; }
    public string? Result { get; init; }
    public ErrorInfo? Error { get; init; }
    public string? CustomStatus { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }
    public DateTimeOffset? ClosedAt { get; init; }
    public string? ParentWorkflowId { get; init; }
    public string? ParentRunId { get; init; }
    public long HistoryLength { get; init; }
    public bool CancelRequested { get; init; }
    /// <summary>Set while the run is parked because its code threw a bug or broke determinism.</summary>
    public string? StuckError { get; init; }
    public int StuckAttempts { get; init; }
    public DateTimeOffset? StuckRetryAt { get; init; }
    public string? TraceId { get; init; }
    public IReadOnlyList<PendingActivity> PendingActivities { get; init; } = [];
    public IReadOnlyList<PendingTimer> PendingTimers { get; init; } = [];
    public IReadOnlyList<ChildSummary> Children { get; init; } = [];
    /// <summary>Signals received and not yet consumed by a wait, oldest first.</summary>
    public IReadOnlyList<BufferedSignal> BufferedSignals { get; init; } = [];
    public bool IsStuck => StuckError is not null;
}

/// <param name="PendingSignals">Signals delivered to the run that no activation has taken in yet (one kept for a later wait no longer counts).</param>
public sealed record WorkflowSummary(
    string WorkflowId,
    string RunId,
    string Type,
    WorkflowStatus Status,
    DateTimeOffset CreatedAt,
    DateTimeOffset? ClosedAt,
    string? CustomStatus,
    bool IsStuck,
    int PendingSignals);

public sealed record WorkflowQuery
{
    public string? Type { get; init; }
    public WorkflowStatus? Status { get; init; }
    public string? IdPrefix { get; init; }
    public DateTimeOffset? CreatedAfter { get; init; }
    public DateTimeOffset? CreatedBefore { get; init; }
    public bool? Stuck { get; init; }
    public int PageSize { get; init; } = 50;
    /// <summary>Opaque token from the previous page.</summary>
    public string? PageToken { get; init; }
}

public sealed record WorkflowPage(IReadOnlyList<WorkflowSummary> Items, string? NextPageToken);

public enum WorkflowChangeKind
{
    Started,
    StatusChanged,
    Stuck,
    Closed,
}

public sealed record WorkflowChange(
    long Sequence,
    string WorkflowId,
    string RunId,
    string Type,
    WorkflowChangeKind Kind,
    WorkflowStatus Status,
    string? CustomStatus,
    DateTimeOffset Timestamp);
