using System.Text.Json.Serialization;

namespace Durable;

public enum HistoryEventType
{
    // Inputs: what happened to the workflow.
    WorkflowStarted = 1,
    ActivationStarted = 2,
    ActivityCompleted = 3,
    ActivityFailed = 4,
    TimerFired = 5,
    SignalReceived = 6,
    ChildWorkflowCompleted = 7,
    ChildWorkflowFailed = 8,
    ExternalSignalResult = 9,
    CancelRequested = 10,

    // Commands: what the workflow code decided.
    ActivityScheduled = 20,
    ActivityCancelRequested = 21,
    TimerStarted = 22,
    TimerCanceled = 23,
    ChildWorkflowStarted = 24,
    ChildWorkflowCancelRequested = 25,
    ExternalSignalSent = 26,

    // Closing events.
    WorkflowCompleted = 40,
    WorkflowFailed = 41,
    WorkflowCanceled = 42,
    WorkflowContinuedAsNew = 43,
    WorkflowTerminated = 44,
}

/// <summary>
/// One entry of a workflow's append-only history. Which fields are set depends on <see cref="Type"/>:
/// <see cref="Sequence"/> ties a command to its result, <see cref="Name"/> is the activity, signal or
/// workflow type, <see cref="Payload"/> is JSON (input, result or signal argument).
/// </summary>
public sealed record HistoryEvent
{
    public long EventId { get; init; }
    public required HistoryEventType Type { get; init; }
    public DateTimeOffset Timestamp { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public int Sequence { get; init; }
    public string? Name { get; init; }
    public string? Payload { get; init; }
    public ErrorInfo? Error { get; init; }
    /// <summary>Target workflow id (child, external signal) or parent workflow id (start).</summary>
    public string? Target { get; init; }
    /// <summary>W3C traceparent of the span that caused the event.</summary>
    public string? TraceParent { get; init; }
    /// <summary>Activity options, timer due time, child options: JSON.</summary>
    public string? Options { get; init; }

    [JsonIgnore]
    public bool IsCommand => Type >= HistoryEventType.ActivityScheduled && Type != HistoryEventType.WorkflowTerminated;

    public override string ToString() => Type switch
    {
        HistoryEventType.ActivityScheduled => $"ScheduleActivity #{Sequence} '{Name}'",
        HistoryEventType.TimerStarted => $"StartTimer #{Sequence}",
        HistoryEventType.TimerCanceled => $"CancelTimer #{Sequence}",
        HistoryEventType.ActivityCancelRequested => $"CancelActivity #{Sequence}",
        HistoryEventType.ChildWorkflowStarted => $"StartChildWorkflow #{Sequence} '{Name}' id '{Target}'",
        HistoryEventType.ChildWorkflowCancelRequested => $"CancelChildWorkflow #{Sequence}",
        HistoryEventType.ExternalSignalSent => $"SignalExternalWorkflow #{Sequence} '{Name}' to '{Target}'",
        _ => Sequence == 0 ? $"{Type}{(Name is null ? "" : $" '{Name}'")}" : $"{Type} #{Sequence}",
    };
}
