using System.Data.Common;
using System.Globalization;
using System.Text.Json;

namespace Durable.Storage;

/// <summary>Rows both stores read the same way: the columns are listed here once, in the order the readers expect.</summary>
internal static class StoreRows
{
    public const string DescribeColumns = """
        workflow_id, run_id, type, status, input, result, error, custom_status, created_at, updated_at, closed_at,
        parent_workflow_id, parent_run_id, next_event_id, cancel_requested, stuck_error, stuck_attempts, stuck_until, trace_parent, buffered_signals
        """;

    /// <summary>
    /// The pending signals are counted for running runs only: closing a run deletes its inbox, so a closed run's count is 0
    /// without a look (lists are mostly closed runs, and the host reads every order's summary at start).
    /// </summary>
    public static readonly string SummaryColumns = "workflow_id, run_id, type, status, created_at, closed_at, custom_status, stuck_error IS NOT NULL, " +
        $"CASE WHEN status = {(int)WorkflowStatus.Running} THEN (SELECT COUNT(*) FROM inbox WHERE inbox.run_id = executions.run_id " +
        $"AND inbox.type = {(int)HistoryEventType.SignalReceived}) ELSE 0 END";

    public const string ChangeColumns = "seq, workflow_id, run_id, type, kind, status, custom_status, at";

    public const string ActivityColumns = "id, workflow_id, run_id, seq, name, input, attempt, options, trace_parent, scheduled_at";

    /// <summary>
    /// The run inspector's list query on either store: <paramref name="query"/>'s filters, keyset paging, newest first,
    /// one row more than <paramref name="pageSize"/> (it tells whether a next page exists). Parameters are named with
    /// <paramref name="marker"/> ('$' or '@'); <paramref name="idPrefixPredicate"/> matches ids starting with <c>{marker}prefix</c>.
    /// </summary>
    public static void PrepareList(DbCommand cmd, WorkflowQuery query, int pageSize, char marker, string idPrefixPredicate)
    {
        var where = new List<string>();
        void Parameter(string name, object value)
        {
            var parameter = cmd.CreateParameter();
            parameter.ParameterName = marker + name;
            parameter.Value = value;
            cmd.Parameters.Add(parameter);
        }
        // Conditions are written with '$' and take the store's marker.
        void Where(string condition) => where.Add(condition.Replace('$', marker));
        if (query.Type is not null)
        {
            Where("type = $type");
            Parameter("type", query.Type);
        }
        if (query.Status is { } status)
        {
            Where("status = $status");
            Parameter("status", (int)status);
        }
        if (query.IdPrefix is { Length: > 0 } prefix)
        {
            where.Add(idPrefixPredicate);
            Parameter("prefix", prefix);
        }
        if (query.CreatedAfter is { } after)
        {
            Where("created_at >= $after");
            Parameter("after", after.ToUnixTimeMilliseconds());
        }
        if (query.CreatedBefore is { } before)
        {
            Where("created_at < $before");
            Parameter("before", before.ToUnixTimeMilliseconds());
        }
        if (query.Stuck is { } stuck)
        {
            Where(stuck ? "stuck_error IS NOT NULL" : "stuck_error IS NULL");
        }
        if (PageToken.TryParse(query.PageToken, out var token))
        {
            Where("(created_at < $tc OR (created_at = $tc AND run_id < $tr))");
            Parameter("tc", token.CreatedAt);
            Parameter("tr", token.RunId);
        }
        Parameter("limit", pageSize + 1);
        cmd.CommandText = $"""
            SELECT {SummaryColumns}
            FROM executions {(where.Count == 0 ? "" : "WHERE " + string.Join(" AND ", where))}
            ORDER BY created_at DESC, run_id DESC LIMIT {marker}limit
            """;
    }

    public static WorkflowDescription ReadDescription(DbDataReader r) => new()
    {
        WorkflowId = r.GetString(0),
        RunId = r.GetString(1),
        Type = r.GetString(2),
        Status = (WorkflowStatus)r.GetInt32(3),
        Input = r.IsDBNull(4) ? null : r.GetString(4),
        Result = r.IsDBNull(5) ? null : r.GetString(5),
        Error = r.IsDBNull(6) ? null : JsonSerializer.Deserialize<ErrorInfo>(r.GetString(6), DurableJson.Options),
        CustomStatus = r.IsDBNull(7) ? null : r.GetString(7),
        CreatedAt = FromMs(r.GetInt64(8)),
        UpdatedAt = FromMs(r.GetInt64(9)),
        ClosedAt = r.IsDBNull(10) ? null : FromMs(r.GetInt64(10)),
        ParentWorkflowId = r.IsDBNull(11) ? null : r.GetString(11),
        ParentRunId = r.IsDBNull(12) ? null : r.GetString(12),
        HistoryLength = r.GetInt64(13) - 1,
        CancelRequested = r.GetBoolean(14),
        StuckError = r.IsDBNull(15) ? null : r.GetString(15),
        StuckAttempts = r.GetInt32(16),
        StuckRetryAt = r.IsDBNull(17) ? null : FromMs(r.GetInt64(17)),
        TraceId = r.IsDBNull(18) ? null : TraceIdOf(r.GetString(18)),
        BufferedSignals = r.IsDBNull(19) ? [] : JsonSerializer.Deserialize(r.GetString(19), DurableJsonContext.Default.ListBufferedSignal)!,
    };

    public static WorkflowSummary ReadSummary(DbDataReader r) =>
        new(r.GetString(0), r.GetString(1), r.GetString(2), (WorkflowStatus)r.GetInt32(3),
            FromMs(r.GetInt64(4)), r.IsDBNull(5) ? null : FromMs(r.GetInt64(5)),
            r.IsDBNull(6) ? null : r.GetString(6), r.GetBoolean(7), (int)r.GetInt64(8));

    public static WorkflowChange ReadChange(DbDataReader r) =>
        new(r.GetInt64(0), r.GetString(1), r.GetString(2), r.GetString(3),
            (WorkflowChangeKind)r.GetInt32(4), (WorkflowStatus)r.GetInt32(5), r.IsDBNull(6) ? null : r.GetString(6),
            FromMs(r.GetInt64(7)));

    public static ActivityTask ReadActivity(DbDataReader r) =>
        new(r.GetInt64(0), r.GetString(1), r.GetString(2), r.GetInt32(3), r.GetString(4),
            r.IsDBNull(5) ? null : r.GetString(5), r.GetInt32(6), ParseActivityOptions(r.GetString(7)),
            r.IsDBNull(8) ? null : r.GetString(8), FromMs(r.GetInt64(9)));

    /// <summary>The first attempt of an activity <paramref name="c"/> scheduled (<paramref name="scheduled"/>), as a claim would read its row.</summary>
    public static ActivityTask FirstAttempt(long id, ActivationCommit c, HistoryEvent scheduled) =>
        new(id, c.WorkflowId, c.RunId, scheduled.Sequence, scheduled.Name!, scheduled.Payload, 1, ParseActivityOptions(scheduled.Options ?? "{}"),
            c.WorkflowSpan, FromMs(c.Now.ToUnixTimeMilliseconds()));

    private static ActivityOptions ParseActivityOptions(string json) => JsonSerializer.Deserialize(json, DurableJsonContext.Default.ActivityOptions)!;

    public static PendingActivity ReadPendingActivity(DbDataReader r) =>
        new(r.GetInt32(0), r.GetString(1), r.GetInt32(2), FromMs(r.GetInt64(3)),
            r.IsDBNull(4) ? null : JsonSerializer.Deserialize<ErrorInfo>(r.GetString(4), DurableJson.Options));

    /// <summary>A page of <see cref="ReadSummary"/> rows read one past the page size: trims it and names the next page.</summary>
    public static WorkflowPage ToPage(List<WorkflowSummary> items, int pageSize)
    {
        string? next = null;
        if (items.Count > pageSize)
        {
            items.RemoveAt(pageSize);
            var last = items[^1];
            next = PageToken.Format(last.CreatedAt.ToUnixTimeMilliseconds(), last.RunId);
        }
        return new WorkflowPage(items, next);
    }

    public static string? TraceIdOf(string traceParent)
    {
        var parts = traceParent.Split('-');
        return parts.Length >= 2 ? parts[1] : null;
    }

    public static DateTimeOffset FromMs(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms);

    public static string? SerializeBufferedSignals(IReadOnlyList<BufferedSignal> signals) =>
        signals.Count == 0 ? null : JsonSerializer.Serialize(signals.ToList(), DurableJsonContext.Default.ListBufferedSignal);

    public static ChildWorkflowOptions ChildOptions(HistoryEvent e) =>
        e.Options is null ? new ChildWorkflowOptions() : JsonSerializer.Deserialize<ChildWorkflowOptions>(e.Options, DurableJson.Options)!;

    public static string SerializeError(ErrorInfo error) => JsonSerializer.Serialize(error, DurableJson.Options);

    public static WorkflowStatus StatusOf(CommitCompletion completion) => completion switch
    {
        CommitCompletion.Completed => WorkflowStatus.Completed,
        CommitCompletion.Failed => WorkflowStatus.Failed,
        CommitCompletion.Canceled => WorkflowStatus.Canceled,
        _ => WorkflowStatus.ContinuedAsNew,
    };

    /// <summary>What a parent learns when its child closes.</summary>
    public static HistoryEvent ChildOutcome(WorkflowStatus status, string childWorkflowId, int parentSeq, string? result, ErrorInfo? error, DateTimeOffset now) =>
        status == WorkflowStatus.Completed
            ? new HistoryEvent { Type = HistoryEventType.ChildWorkflowCompleted, Sequence = parentSeq, Payload = result, Timestamp = now, Target = childWorkflowId }
            : new HistoryEvent
            {
                Type = HistoryEventType.ChildWorkflowFailed, Sequence = parentSeq, Timestamp = now, Target = childWorkflowId,
                Error = error ?? new ErrorInfo(status.ToString(), $"The child workflow ended {status}."),
            };

    /// <summary>What a workflow learns of a signal it sent: delivered to <paramref name="targetRunId"/>, or not (null).</summary>
    public static HistoryEvent SignalResult(HistoryEvent sent, string? targetRunId, DateTimeOffset now) => new()
    {
        Type = HistoryEventType.ExternalSignalResult, Sequence = sent.Sequence, Timestamp = now,
        Error = targetRunId is null ? new ErrorInfo("WorkflowNotFound", $"No running workflow '{sent.Target}'.") : null,
    };

    public static bool Reuses(WorkflowIdReusePolicy policy, WorkflowStatus closedStatus) => policy switch
    {
        WorkflowIdReusePolicy.AllowDuplicate => true,
        WorkflowIdReusePolicy.AllowDuplicateFailedOnly => closedStatus != WorkflowStatus.Completed,
        _ => false,
    };

    internal static class PageToken
    {
        public static string Format(long createdAt, string runId) => $"{createdAt.ToString(CultureInfo.InvariantCulture)}.{runId}";

        public static bool TryParse(string? token, out (long CreatedAt, string RunId) value)
        {
            value = default;
            var dot = token?.IndexOf('.', StringComparison.Ordinal) ?? -1;
            if (token is null || dot <= 0 || !long.TryParse(token.AsSpan(0, dot), NumberStyles.None, CultureInfo.InvariantCulture, out var createdAt))
            {
                return false;
            }
            value = (createdAt, token[(dot + 1)..]);
            return true;
        }
    }
}
