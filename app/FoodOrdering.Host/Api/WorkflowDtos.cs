using System.Text.Json;
using Durable;
using Durable.Storage;

namespace FoodOrdering.Host.Api;

// The engine stores inputs, results, statuses and signal arguments as JSON text; the API embeds them as JSON
// values, so clients get {"status":"DELIVERED"} rather than "{\"status\":\"DELIVERED\"}".

public sealed record WorkflowSummaryDto(
    string WorkflowId, string RunId, string Type, WorkflowStatus Status, DateTimeOffset CreatedAt, DateTimeOffset? ClosedAt,
    JsonElement? CustomStatus, bool IsStuck)
{
    internal static WorkflowSummaryDto From(WorkflowSummary s) =>
        new(s.WorkflowId, s.RunId, s.Type, s.Status, s.CreatedAt, s.ClosedAt, EmbeddedJson.Parse(s.CustomStatus), s.IsStuck);
}

public sealed record WorkflowListDto(IReadOnlyList<WorkflowSummaryDto> Items, string? NextPageToken);

public sealed record BufferedSignalDto(string Name, JsonElement? Argument);

public sealed record WorkflowDetailsDto
{
    public required string WorkflowId { get; init; }
    public required string RunId { get; init; }
    public required string Type { get; init; }
    public required WorkflowStatus Status { get; init; }
    public JsonElement? CustomStatus { get; init; }
    public JsonElement? Input { get; init; }
    public JsonElement? Result { get; init; }
    public ErrorInfo? Error { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }
    public DateTimeOffset? ClosedAt { get; init; }
    public string? ParentWorkflowId { get; init; }
    public string? ParentRunId { get; init; }
    public long HistoryLength { get; init; }
    public bool CancelRequested { get; init; }
    public bool IsStuck { get; init; }
    public string? StuckError { get; init; }
    public int StuckAttempts { get; init; }
    public DateTimeOffset? StuckRetryAt { get; init; }
    public string? TraceId { get; init; }
    public IReadOnlyList<PendingActivity> PendingActivities { get; init; } = [];
    public IReadOnlyList<PendingTimer> PendingTimers { get; init; } = [];
    public IReadOnlyList<ChildSummary> Children { get; init; } = [];
    public IReadOnlyList<BufferedSignalDto> BufferedSignals { get; init; } = [];

    internal static WorkflowDetailsDto From(WorkflowDescription d) => new()
    {
        WorkflowId = d.WorkflowId,
        RunId = d.RunId,
        Type = d.Type,
        Status = d.Status,
        CustomStatus = EmbeddedJson.Parse(d.CustomStatus),
        Input = EmbeddedJson.Parse(d.Input),
        Result = EmbeddedJson.Parse(d.Result),
        Error = d.Error,
        CreatedAt = d.CreatedAt,
        UpdatedAt = d.UpdatedAt,
        ClosedAt = d.ClosedAt,
        ParentWorkflowId = d.ParentWorkflowId,
        ParentRunId = d.ParentRunId,
        HistoryLength = d.HistoryLength,
        CancelRequested = d.CancelRequested,
        IsStuck = d.IsStuck,
        StuckError = d.StuckError,
        StuckAttempts = d.StuckAttempts,
        StuckRetryAt = d.StuckRetryAt,
        TraceId = d.TraceId,
        PendingActivities = d.PendingActivities,
        PendingTimers = d.PendingTimers,
        Children = d.Children,
        BufferedSignals = [.. d.BufferedSignals.Select(s => new BufferedSignalDto(s.Name, EmbeddedJson.Parse(s.Payload)))],
    };
}

public sealed record HistoryEventDto(
    long EventId, HistoryEventType Type, DateTimeOffset Timestamp, int? Sequence, string? Name, JsonElement? Payload, ErrorInfo? Error,
    string? Target, JsonElement? Options, string? TraceParent)
{
    internal static HistoryEventDto From(HistoryEvent e) =>
        new(e.EventId, e.Type, e.Timestamp, e.Sequence == 0 ? null : e.Sequence, e.Name, EmbeddedJson.Parse(e.Payload), e.Error, e.Target,
            EmbeddedJson.Parse(e.Options), e.TraceParent);
}

public sealed record WorkflowChangeDto(
    long Sequence, string WorkflowId, string RunId, string Type, WorkflowChangeKind Kind, WorkflowStatus Status, JsonElement? CustomStatus,
    DateTimeOffset Timestamp)
{
    internal static WorkflowChangeDto From(WorkflowChange c) =>
        new(c.Sequence, c.WorkflowId, c.RunId, c.Type, c.Kind, c.Status, EmbeddedJson.Parse(c.CustomStatus), c.Timestamp);
}

/// <summary>Body of POST /api/workflows/{id}/terminate.</summary>
public sealed record TerminateRequest(string? Reason);

internal static class EmbeddedJson
{
    /// <summary>
    /// The text as a JSON value; text that is not JSON (a timer's due time is stored as a bare ISO timestamp)
    /// becomes a JSON string rather than failing the request.
    /// </summary>
    public static JsonElement? Parse(string? text)
    {
        if (text is null)
        {
            return null;
        }
        try
        {
            using var document = JsonDocument.Parse(text);
            return document.RootElement.Clone();
        }
        catch (JsonException)
        {
            return JsonSerializer.SerializeToElement(text);
        }
    }
}
