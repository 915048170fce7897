using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using static Durable.Storage.StoreRows;

namespace Durable.Storage;

/// <summary>
/// The embedded store: one SQLite file in WAL mode, one writer thread with group commit, pooled
/// readers. One process owns the file (an exclusive lock file enforces it), so claims are leases
/// held in memory: after a crash nothing is leased and everything in flight is simply run again.
/// </summary>
public sealed class SqliteWorkflowStore : IWorkflowStore
{
    internal const int SchemaVersion = 2;
    private const int ChangeRetention = 100_000;

    private readonly string _path;
    private readonly string _readConnectionString;
    private readonly WorkQueues _queues = new();
    private SqliteWriter? _writer;
    private FileStream? _lock;
    private long _changesSincePrune;

    private readonly TimeProvider _time;

    public SqliteWorkflowStore(string path, TimeProvider? timeProvider = null)
    {
        _time = timeProvider ?? TimeProvider.System;
        _path = System.IO.Path.GetFullPath(path);
        _readConnectionString = new SqliteConnectionStringBuilder { DataSource = _path, Pooling = true, Mode = SqliteOpenMode.ReadOnly }.ToString();
    }

    public event Action? WorkAvailable;
    public event Action? Changed;

    public string Path => _path;

    /// <summary>Transactions committed and writes in them, to show group commit at work.</summary>
    public (long Batches, long Writes, long Statements) CommitStatistics =>
        (_writer?.BatchesCommitted ?? 0, _writer?.WritesCommitted ?? 0, _writer?.StatementsRun ?? 0);

    private SqliteWriter Writer => _writer ?? throw new InvalidOperationException("Call InitializeAsync first.");

    public Task InitializeAsync(CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(_path)!);
        try
        {
            _lock = new FileStream(_path + ".lock", FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException ex)
        {
            throw new InvalidOperationException($"Another process is using the workflow store '{_path}'. One SQLite store serves one host; use PostgreSQL for several.", ex);
        }
        _writer = new SqliteWriter(_path, OnCommitted);
        return Writer.WriteAsync(scope =>
        {
            scope.Execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)");
            var version = Convert.ToInt32(scope.Scalar("SELECT COALESCE(MAX(version), 0) FROM schema_version"), CultureInfo.InvariantCulture);
            if (version > SchemaVersion)
            {
                throw new InvalidOperationException($"The store '{_path}' has schema version {version}; this build knows up to {SchemaVersion}.");
            }
            if (version < 1)
            {
                foreach (var statement in SqliteSchema.V1)
                {
                    scope.Execute(statement);
                }
                scope.Execute("INSERT INTO schema_version (version) VALUES (1)");
            }
            if (version < 2)
            {
                foreach (var statement in SqliteSchema.V2)
                {
                    scope.Execute(statement);
                }
                scope.Execute("INSERT INTO schema_version (version) VALUES (2)");
            }
            LoadQueues(scope);
            return 0;
        });
    }

    /// <summary>Rebuilds the in-memory index of due work from the tables: after a crash, everything in flight is due again.</summary>
    private void LoadQueues(WriteScope scope)
    {
        var nowMs = _time.GetUtcNow().ToUnixTimeMilliseconds();
        using (var reader = scope.Query("SELECT run_id, visible_at FROM inbox"))
        {
            while (reader.Read())
            {
                _queues.AddRun(reader.GetString(0), reader.GetInt64(1), nowMs);
            }
        }
        using (var reader = scope.Query("SELECT run_id, stuck_until FROM executions WHERE stuck_until IS NOT NULL AND status = 0"))
        {
            while (reader.Read())
            {
                _queues.AddRun(reader.GetString(0), reader.GetInt64(1), nowMs);
            }
        }
        using (var reader = scope.Query("SELECT id, visible_at FROM activity_tasks"))
        {
            while (reader.Read())
            {
                _queues.AddActivity(reader.GetInt64(0), reader.GetInt64(1), nowMs);
            }
        }
    }

    private void OnCommitted(WriteEffects effects)
    {
        var nowMs = _time.GetUtcNow().ToUnixTimeMilliseconds();
        foreach (var (run, at) in effects.Runs)
        {
            _queues.AddRun(run, at, nowMs);
        }
        foreach (var (id, at) in effects.Activities)
        {
            _queues.AddActivity(id, at, nowMs);
        }
        if (effects.WorkAvailable)
        {
            WorkAvailable?.Invoke();
        }
        if (effects.Changed)
        {
            Changed?.Invoke();
        }
    }

    public Task<StartResult> StartWorkflowAsync(NewWorkflow workflow, CancellationToken cancellationToken)
    {
        // Events are serialized on the caller's thread, here and below: the single writer thread is the bottleneck under load.
        var started = DurableJson.SerializeEvent(StartedEvent(workflow, parentWorkflowId: null));
        return Writer.WriteAsync(scope => StartInTx(scope, workflow, parent: null, started));
    }

    public Task<bool> SignalAsync(string workflowId, HistoryEvent signal, CancellationToken cancellationToken)
    {
        var body = DurableJson.SerializeEvent(signal);
        return Writer.WriteAsync(scope =>
        {
            var run = LatestRunning(scope, workflowId);
            if (run is null)
            {
                return false;
            }
            InsertInbox(scope, run, signal.Timestamp, signal, body);
            return true;
        });
    }

    public Task<StartResult> SignalWithStartAsync(NewWorkflow workflow, HistoryEvent signal, CancellationToken cancellationToken) =>
        Writer.WriteAsync(scope =>
        {
            var result = StartInTx(scope, workflow with { ConflictPolicy = WorkflowIdConflictPolicy.UseExisting, ReusePolicy = WorkflowIdReusePolicy.AllowDuplicate }, parent: null);
            InsertInbox(scope, result.RunId, signal.Timestamp, signal);
            return result;
        });

    public Task<bool> RequestCancelAsync(string workflowId, CancellationToken cancellationToken) =>
        Writer.WriteAsync(scope =>
        {
            var run = LatestRunning(scope, workflowId);
            if (run is null)
            {
                return false;
            }
            RequestCancelInTx(scope, run, _time.GetUtcNow());
            return true;
        });

    public Task<bool> TerminateAsync(string workflowId, string reason, CancellationToken cancellationToken) =>
        Writer.WriteAsync(scope =>
        {
            var run = LatestRunning(scope, workflowId);
            if (run is null)
            {
                return false;
            }
            TerminateInTx(scope, run, reason, _time.GetUtcNow());
            return true;
        });

    public async Task<IReadOnlyList<WorkflowTask>> ClaimWorkflowTasksAsync(int max, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var nowMs = now.ToUnixTimeMilliseconds();
        var runs = _queues.LeaseRuns(max, nowMs);
        if (runs.Count == 0)
        {
            return [];
        }
        try
        {
            // Two queries for the whole batch (the runs' rows, then their due inputs), whatever its size.
            await using var connection = await OpenReadAsync(cancellationToken);
            var rows = new Dictionary<string, (string WorkflowId, string Type, long Next, string? Span, int StuckAttempts, int Status, long? StuckUntil)>(runs.Count, StringComparer.Ordinal);
            await using (var execution = connection.CreateCommand())
            {
                execution.CommandText = $"SELECT run_id, workflow_id, type, next_event_id, workflow_span, stuck_attempts, status, stuck_until FROM executions WHERE run_id IN ({InList(execution, runs)})";
                await using var reader = await execution.ExecuteReaderAsync(cancellationToken);
                while (await reader.ReadAsync(cancellationToken))
                {
                    rows[reader.GetString(0)] = (reader.GetString(1), reader.GetString(2), reader.GetInt64(3), reader.IsDBNull(4) ? null : reader.GetString(4),
                        reader.GetInt32(5), reader.GetInt32(6), reader.IsDBNull(7) ? null : reader.GetInt64(7));
                }
            }
            var claimable = new List<string>(runs.Count);
            foreach (var run in runs)
            {
                if (!rows.TryGetValue(run, out var row) || row.Status != (int)WorkflowStatus.Running)
                {
                    _queues.ReleaseRun(run);
                }
                else if (row.StuckUntil is { } until && until > nowMs)
                {
                    // Parked: look again when its backoff ends.
                    _queues.ReleaseRun(run);
                    _queues.AddRun(run, until, nowMs);
                }
                else
                {
                    claimable.Add(run);
                }
            }
            var inboxes = new Dictionary<string, List<InboxItem>>(claimable.Count, StringComparer.Ordinal);
            if (claimable.Count > 0)
            {
                await using var inboxCommand = connection.CreateCommand();
                // Chronological: a timer's row is inserted when it starts, long before it fires.
                inboxCommand.CommandText = $"SELECT run_id, id, body FROM inbox WHERE run_id IN ({InList(inboxCommand, claimable)}) AND visible_at <= $now ORDER BY visible_at, id";
                inboxCommand.Parameters.AddWithValue("$now", nowMs);
                await using var reader = await inboxCommand.ExecuteReaderAsync(cancellationToken);
                while (await reader.ReadAsync(cancellationToken))
                {
                    var run = reader.GetString(0);
                    if (!inboxes.TryGetValue(run, out var inbox))
                    {
                        inboxes[run] = inbox = [];
                    }
                    inbox.Add(new InboxItem(reader.GetInt64(1), DurableJson.DeserializeEvent(reader.GetString(2))));
                }
            }
            var tasks = new List<WorkflowTask>(claimable.Count);
            foreach (var run in claimable)
            {
                if (inboxes.TryGetValue(run, out var inbox))
                {
                    var row = rows[run];
                    tasks.Add(new WorkflowTask(row.WorkflowId, run, row.Type, row.Next, inbox, row.Span, row.StuckAttempts));
                    continue;
                }
                // Queued by a commit after this claim's clock was read, or a stale entry: look again when its first input is due.
                _queues.ReleaseRun(run);
                await using var earliest = connection.CreateCommand();
                earliest.CommandText = "SELECT MIN(visible_at) FROM inbox WHERE run_id = $run";
                earliest.Parameters.AddWithValue("$run", run);
                if (await earliest.ExecuteScalarAsync(cancellationToken) is long due)
                {
                    _queues.AddRun(run, Math.Max(due, nowMs + 1), nowMs);
                }
            }
            return tasks;
        }
        catch
        {
            // Nothing claimed here reaches a worker: every lease goes back, every run stays due.
            foreach (var leased in runs)
            {
                ReleaseWorkflowTask(leased, retry: true);
            }
            throw;
        }
    }

    /// <summary>"$p0,$p1,..." for <paramref name="values"/>, added to <paramref name="command"/> as parameters.</summary>
    private static string InList(SqliteCommand command, IReadOnlyList<string> values)
    {
        var names = new string[values.Count];
        for (var i = 0; i < values.Count; i++)
        {
            names[i] = "$p" + i.ToString(CultureInfo.InvariantCulture);
            command.Parameters.AddWithValue(names[i], values[i]);
        }
        return string.Join(',', names);
    }

    public void ReleaseWorkflowTask(string runId, bool retry)
    {
        _queues.ReleaseRun(runId);
        if (retry)
        {
            var nowMs = _time.GetUtcNow().ToUnixTimeMilliseconds();
            _queues.AddRun(runId, nowMs, nowMs);
        }
    }

    public async Task<IReadOnlyList<HistoryEvent>> LoadHistoryAsync(string runId, CancellationToken cancellationToken)
    {
        await using var connection = await OpenReadAsync(cancellationToken);
        return await ReadHistoryAsync(connection, runId, cancellationToken);
    }

    public async Task<IReadOnlyList<ActivityTask>> CommitActivationAsync(ActivationCommit commit, CancellationToken cancellationToken)
    {
        var bodies = new string[commit.NewEvents.Count];
        for (var i = 0; i < bodies.Length; i++)
        {
            bodies[i] = DurableJson.SerializeEvent(commit.NewEvents[i]);
        }
        var leased = await Writer.WriteAsync(scope => CommitInTx(scope, commit, bodies));
        // Never queued, so no claim can take them: leased here, released when the caller completes or retries them.
        foreach (var task in leased)
        {
            _queues.LeaseActivity(task.Id);
        }
        return leased;
    }

    public Task MarkStuckAsync(string runId, string error, DateTimeOffset retryAt, string? workflowSpan, CancellationToken cancellationToken) =>
        Writer.WriteAsync(scope =>
        {
            scope.Execute("""
                UPDATE executions SET stuck_error = $e, stuck_attempts = stuck_attempts + 1, stuck_until = $u, updated_at = $now,
                  workflow_span = COALESCE(workflow_span, $span)
                WHERE run_id = $r AND status = 0
                """,
                ("$span", workflowSpan), ("$e", error), ("$u", retryAt.ToUnixTimeMilliseconds()), ("$now", _time.GetUtcNow().ToUnixTimeMilliseconds()), ("$r", runId));
            scope.Effects.Runs.Add((runId, retryAt.ToUnixTimeMilliseconds()));
            var row = ReadRunRow(scope, runId);
            if (row is not null)
            {
                AddChange(scope, row.Value.WorkflowId, runId, row.Value.Type, WorkflowChangeKind.Stuck, WorkflowStatus.Running, row.Value.CustomStatus, _time.GetUtcNow());
            }
            return 0;
        });

    public async Task<IReadOnlyList<ActivityTask>> ClaimActivityTasksAsync(int max, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var nowMs = now.ToUnixTimeMilliseconds();
        var ids = _queues.LeaseActivities(max, nowMs);
        if (ids.Count == 0)
        {
            return [];
        }
        var tasks = new List<ActivityTask>(ids.Count);
        var found = new HashSet<long>();
        var read = false;
        try
        {
            await using var connection = await OpenReadAsync(cancellationToken);
            await using var cmd = connection.CreateCommand();
            cmd.CommandText = $"""
                SELECT {ActivityColumns}, visible_at
                FROM activity_tasks WHERE id IN ({string.Join(',', ids)}) ORDER BY id
                """;
            await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                if (reader.GetInt64(10) > nowMs)
                {
                    // Rescheduled, or queued after this claim's clock was read: look again when it is due.
                    _queues.ReleaseActivity(reader.GetInt64(0));
                    _queues.AddActivity(reader.GetInt64(0), reader.GetInt64(10), nowMs);
                    found.Add(reader.GetInt64(0));
                    continue;
                }
                found.Add(reader.GetInt64(0));
                tasks.Add(ReadActivity(reader));
            }
            read = true;
        }
        finally
        {
            foreach (var id in ids)
            {
                if (!read)
                {
                    // The read failed: nothing reaches a worker, everything stays due.
                    _queues.ReleaseActivity(id);
                    RequeueActivity(id);
                }
                else if (!found.Contains(id))
                {
                    // Cancelled or completed meanwhile.
                    _queues.ReleaseActivity(id);
                }
            }
        }
        return tasks;
    }

    public async Task CompleteActivityAsync(ActivityTask task, HistoryEvent outcome, CancellationToken cancellationToken)
    {
        var body = DurableJson.SerializeEvent(outcome);
        try
        {
            await Writer.WriteAsync(scope =>
            {
                // The attempt check drops a late result of an attempt that already timed out and was retried.
                var deleted = scope.Execute("DELETE FROM activity_tasks WHERE id = $id AND attempt = $a", ("$id", task.Id), ("$a", task.Attempt));
                if (deleted == 1)
                {
                    InsertInbox(scope, task.RunId, outcome.Timestamp, outcome, body);
                }
                return 0;
            });
        }
        catch
        {
            RequeueActivity(task.Id);
            throw;
        }
        finally
        {
            _queues.ReleaseActivity(task.Id);
        }
    }

    public async Task RetryActivityAsync(ActivityTask task, int nextAttempt, DateTimeOffset visibleAt, ErrorInfo error, CancellationToken cancellationToken)
    {
        try
        {
            await Writer.WriteAsync(scope =>
            {
                scope.Execute("UPDATE activity_tasks SET attempt = $n, visible_at = $v, last_error = $e WHERE id = $id AND attempt = $a",
                    ("$n", nextAttempt), ("$v", visibleAt.ToUnixTimeMilliseconds()), ("$e", JsonSerializer.Serialize(error, DurableJson.Options)),
                    ("$id", task.Id), ("$a", task.Attempt));
                scope.Effects.Activities.Add((task.Id, visibleAt.ToUnixTimeMilliseconds()));
                return 0;
            });
        }
        catch
        {
            RequeueActivity(task.Id);
            throw;
        }
        finally
        {
            _queues.ReleaseActivity(task.Id);
        }
    }

    private void RequeueActivity(long id)
    {
        var nowMs = _time.GetUtcNow().ToUnixTimeMilliseconds();
        _queues.AddActivity(id, nowMs + 1000, nowMs);
    }

    public Task<DateTimeOffset?> GetNextDueTimeAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var (next, promoted) = _queues.NextDue(now.ToUnixTimeMilliseconds());
        if (promoted)
        {
            WorkAvailable?.Invoke();
        }
        return Task.FromResult(next is { } ms ? FromMs(ms) : (DateTimeOffset?)null);
    }

    public async Task<WorkflowDescription?> DescribeAsync(string workflowId, string? runId, CancellationToken cancellationToken)
    {
        await using var connection = await OpenReadAsync(cancellationToken);
        WorkflowDescription? description;
        await using (var cmd = connection.CreateCommand())
        {
            cmd.CommandText = runId is null
                ? $"SELECT {DescribeColumns} FROM executions WHERE workflow_id = $id AND is_latest = 1"
                : $"SELECT {DescribeColumns} FROM executions WHERE workflow_id = $id AND run_id = $run";
            cmd.Parameters.AddWithValue("$id", workflowId);
            cmd.Parameters.AddWithValue("$run", (object?)runId ?? DBNull.Value);
            await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
            if (!await reader.ReadAsync(cancellationToken))
            {
                return null;
            }
            description = ReadDescription(reader);
        }
        var run = description.RunId;
        var activities = new List<PendingActivity>();
        await using (var cmd = connection.CreateCommand())
        {
            cmd.CommandText = "SELECT seq, name, attempt, visible_at, last_error FROM activity_tasks WHERE run_id = $run ORDER BY seq";
            cmd.Parameters.AddWithValue("$run", run);
            await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                activities.Add(ReadPendingActivity(reader));
            }
        }
        var timers = new List<PendingTimer>();
        var inboxSignals = new List<BufferedSignal>();
        await using (var cmd = connection.CreateCommand())
        {
            cmd.CommandText = "SELECT type, seq, visible_at, body FROM inbox WHERE run_id = $run AND type IN ($timer, $signal) ORDER BY id";
            cmd.Parameters.AddWithValue("$run", run);
            cmd.Parameters.AddWithValue("$timer", (int)HistoryEventType.TimerFired);
            cmd.Parameters.AddWithValue("$signal", (int)HistoryEventType.SignalReceived);
            await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                if (reader.GetInt32(0) == (int)HistoryEventType.TimerFired)
                {
                    timers.Add(new PendingTimer(reader.GetInt32(1), FromMs(reader.GetInt64(2))));
                }
                else
                {
                    var e = DurableJson.DeserializeEvent(reader.GetString(3));
                    inboxSignals.Add(new BufferedSignal(e.Name!, e.Payload));
                }
            }
        }
        var children = new List<ChildSummary>();
        await using (var cmd = connection.CreateCommand())
        {
            cmd.CommandText = "SELECT workflow_id, run_id, type, status FROM executions WHERE parent_run_id = $run ORDER BY created_at";
            cmd.Parameters.AddWithValue("$run", run);
            await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                children.Add(new ChildSummary(reader.GetString(0), reader.GetString(1), reader.GetString(2), (WorkflowStatus)reader.GetInt32(3)));
            }
        }
        return description with
        {
            PendingActivities = activities,
            PendingTimers = timers,
            Children = children,
            BufferedSignals = [.. description.BufferedSignals, .. inboxSignals],
        };
    }

    public async Task<IReadOnlyList<HistoryEvent>> GetHistoryAsync(string workflowId, string? runId, CancellationToken cancellationToken)
    {
        await using var connection = await OpenReadAsync(cancellationToken);
        if (runId is null)
        {
            await using var cmd = connection.CreateCommand();
            cmd.CommandText = "SELECT run_id FROM executions WHERE workflow_id = $id AND is_latest = 1";
            cmd.Parameters.AddWithValue("$id", workflowId);
            runId = await cmd.ExecuteScalarAsync(cancellationToken) as string ?? throw new WorkflowNotFoundException(workflowId);
        }
        return await ReadHistoryAsync(connection, runId, cancellationToken);
    }

    public async Task<WorkflowSummary?> GetSummaryAsync(string workflowId, CancellationToken cancellationToken)
    {
        await using var connection = await OpenReadAsync(cancellationToken);
        await using var cmd = connection.CreateCommand();
        cmd.CommandText = $"SELECT {SummaryColumns} FROM executions WHERE workflow_id = $id AND is_latest = 1";
        cmd.Parameters.AddWithValue("$id", workflowId);
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? ReadSummary(reader) : null;
    }

    public async Task<WorkflowPage> ListAsync(WorkflowQuery query, CancellationToken cancellationToken)
    {
        var pageSize = Math.Clamp(query.PageSize, 1, 1000);
        await using var connection = await OpenReadAsync(cancellationToken);
        await using var cmd = connection.CreateCommand();
        // Not a range ending at prefix + U+FFFF: SQLite compares UTF-8 bytes, so ids with characters above U+FFFF fell outside it.
        PrepareList(cmd, query, pageSize, '$', "substr(workflow_id, 1, length($prefix)) = $prefix");
        var items = new List<WorkflowSummary>();
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            items.Add(ReadSummary(reader));
        }
        return ToPage(items, pageSize);
    }

    public async Task<IReadOnlyList<WorkflowChange>> ReadChangesAsync(long afterSequence, int max, CancellationToken cancellationToken)
    {
        await using var connection = await OpenReadAsync(cancellationToken);
        await using var cmd = connection.CreateCommand();
        cmd.CommandText = $"SELECT {ChangeColumns} FROM changes WHERE seq > $after ORDER BY seq LIMIT $max";
        cmd.Parameters.AddWithValue("$after", afterSequence);
        cmd.Parameters.AddWithValue("$max", max);
        var changes = new List<WorkflowChange>();
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            changes.Add(ReadChange(reader));
        }
        return changes;
    }

    public async Task<long> GetLastChangeSequenceAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenReadAsync(cancellationToken);
        await using var cmd = connection.CreateCommand();
        cmd.CommandText = "SELECT COALESCE(MAX(seq), 0) FROM changes";
        return (long)(await cmd.ExecuteScalarAsync(cancellationToken))!;
    }

    public async ValueTask DisposeAsync()
    {
        if (_writer is not null)
        {
            await _writer.DisposeAsync();
            _writer = null;
        }
        SqliteConnection.ClearAllPools();
        if (_lock is not null)
        {
            await _lock.DisposeAsync();
            _lock = null;
        }
    }

    // ---- transactions ----

    /// <param name="startedBody">The serialized <see cref="StartedEvent"/>, when the caller has it.</param>
    private StartResult StartInTx(WriteScope scope, NewWorkflow wf, (string WorkflowId, string RunId, int Seq, ParentClosePolicy Policy)? parent,
        string? startedBody = null)
    {
        using (var reader = scope.Query("SELECT run_id, status FROM executions WHERE workflow_id = $id AND is_latest = 1", ("$id", wf.WorkflowId)))
        {
            if (reader.Read())
            {
                var existingRun = reader.GetString(0);
                var status = (WorkflowStatus)reader.GetInt32(1);
                reader.Close();
                if (status == WorkflowStatus.Running)
                {
                    return wf.ConflictPolicy == WorkflowIdConflictPolicy.Fail
                        ? throw new WorkflowAlreadyStartedException(wf.WorkflowId, existingRun)
                        : new StartResult(wf.WorkflowId, existingRun, false, status);
                }
                if (!Reuses(wf.ReusePolicy, status))
                {
                    return new StartResult(wf.WorkflowId, existingRun, false, status);
                }
                scope.Execute("UPDATE executions SET is_latest = 0 WHERE run_id = $r", ("$r", existingRun));
            }
        }
        var now = wf.CreatedAt.ToUnixTimeMilliseconds();
        scope.Execute("""
            INSERT INTO executions (run_id, workflow_id, is_latest, type, status, input, created_at, updated_at, next_event_id, trace_parent,
                                    parent_workflow_id, parent_run_id, parent_seq, parent_close_policy)
            VALUES ($run, $id, 1, $type, 0, $input, $now, $now, 1, $tp, $pw, $pr, $ps, $pp)
            """,
            ("$run", wf.RunId), ("$id", wf.WorkflowId), ("$type", wf.Type), ("$input", wf.Input), ("$now", now), ("$tp", wf.TraceParent),
            ("$pw", parent?.WorkflowId), ("$pr", parent?.RunId), ("$ps", parent?.Seq), ("$pp", parent is null ? null : (int)parent.Value.Policy));
        var started = StartedEvent(wf, parent?.WorkflowId);
        InsertInbox(scope, wf.RunId, wf.VisibleAt, started, startedBody);
        AddChange(scope, wf.WorkflowId, wf.RunId, wf.Type, WorkflowChangeKind.Started, WorkflowStatus.Running, null, wf.CreatedAt);
        return new StartResult(wf.WorkflowId, wf.RunId, true, WorkflowStatus.Running);
    }

    private static HistoryEvent StartedEvent(NewWorkflow wf, string? parentWorkflowId) => new()
    {
        Type = HistoryEventType.WorkflowStarted,
        Timestamp = wf.CreatedAt,
        Name = wf.Type,
        Payload = wf.Input,
        Target = parentWorkflowId,
        TraceParent = wf.TraceParent,
    };

    /// <returns>The scheduled activities leased to the caller (none when the run closes: its activities go with it).</returns>
    private List<ActivityTask> CommitInTx(WriteScope scope, ActivationCommit c, string[] bodies)
    {
        var leased = new List<ActivityTask>();
        var nowMs = c.Now.ToUnixTimeMilliseconds();
        // The run's row first, checked and advanced in one statement: a throw below undoes it with the rest of the write.
        var advanced = scope.Execute("""
            UPDATE executions SET next_event_id = $n, updated_at = $now, buffered_signals = $b,
              custom_status = CASE WHEN $changed THEN $cs ELSE custom_status END,
              workflow_span = COALESCE(workflow_span, $span), stuck_error = NULL, stuck_attempts = 0, stuck_until = NULL
            WHERE run_id = $r AND next_event_id = $expected AND status = 0
            """,
            ("$n", c.ExpectedNextEventId + c.NewEvents.Count), ("$now", nowMs), ("$b", SerializeBufferedSignals(c.BufferedSignals)),
            ("$changed", c.CustomStatusChanged), ("$cs", c.CustomStatus), ("$span", c.WorkflowSpan), ("$r", c.RunId), ("$expected", c.ExpectedNextEventId));
        if (advanced != 1)
        {
            throw new StaleHistoryException(c.RunId);
        }
        foreach (var id in c.ConsumedInbox)
        {
            if (scope.Execute("DELETE FROM inbox WHERE id = $id", ("$id", id)) != 1)
            {
                throw new StaleHistoryException(c.RunId);
            }
        }
        InsertHistory(scope, c.RunId, c.NewEvents, bodies);
        foreach (var e in c.NewEvents)
        {
            switch (e.Type)
            {
                case HistoryEventType.ActivityScheduled:
                    var activityId = (long)scope.Scalar("""
                        INSERT INTO activity_tasks (run_id, workflow_id, seq, name, input, attempt, visible_at, options, trace_parent, scheduled_at)
                        VALUES ($r, $w, $s, $n, $i, 1, $now, $o, $tp, $now) RETURNING id
                        """,
                        ("$r", c.RunId), ("$w", c.WorkflowId), ("$s", e.Sequence), ("$n", e.Name), ("$i", e.Payload), ("$now", nowMs),
                        ("$o", e.Options ?? "{}"), ("$tp", c.WorkflowSpan))!;
                    if (leased.Count < c.LeaseActivities)
                    {
                        leased.Add(FirstAttempt(activityId, c, e));
                    }
                    else
                    {
                        scope.Effects.Activities.Add((activityId, nowMs));
                        scope.Effects.WorkAvailable = true;
                    }
                    break;
                case HistoryEventType.ActivityCancelRequested:
                    scope.Execute("DELETE FROM activity_tasks WHERE run_id = $r AND seq = $s", ("$r", c.RunId), ("$s", e.Sequence));
                    break;
                case HistoryEventType.TimerStarted:
                    var fireAt = DateTimeOffset.Parse(e.Options!, CultureInfo.InvariantCulture);
                    InsertInbox(scope, c.RunId, fireAt, new HistoryEvent { Type = HistoryEventType.TimerFired, Sequence = e.Sequence, Timestamp = fireAt });
                    break;
                case HistoryEventType.TimerCanceled:
                    scope.Execute("DELETE FROM inbox WHERE run_id = $r AND type = $t AND seq = $s",
                        ("$r", c.RunId), ("$t", (int)HistoryEventType.TimerFired), ("$s", e.Sequence));
                    break;
                case HistoryEventType.ChildWorkflowStarted:
                    StartChildInTx(scope, c, e);
                    break;
                case HistoryEventType.ChildWorkflowCancelRequested:
                    var child = scope.Scalar("SELECT run_id FROM executions WHERE parent_run_id = $r AND parent_seq = $s AND status = 0",
                        ("$r", c.RunId), ("$s", e.Sequence)) as string;
                    if (child is not null)
                    {
                        RequestCancelInTx(scope, child, c.Now);
                    }
                    break;
                case HistoryEventType.ExternalSignalSent:
                    var target = LatestRunning(scope, e.Target!);
                    var acknowledged = c.AcknowledgesSignal(e.Sequence);
                    if (target is null && acknowledged)
                    {
                        throw new UndeliverableSignalException(c.RunId, e.Target!);
                    }
                    if (target is not null)
                    {
                        InsertInbox(scope, target, c.Now, new HistoryEvent
                        {
                            Type = HistoryEventType.SignalReceived, Name = e.Name, Payload = e.Payload, Timestamp = c.Now, Target = c.WorkflowId, TraceParent = e.TraceParent,
                        });
                    }
                    if (!acknowledged)
                    {
                        InsertInbox(scope, c.RunId, c.Now, SignalResult(e, target, c.Now));
                    }
                    break;
            }
        }
        foreach (var passed in c.PassedStatuses)
        {
            AddChange(scope, c.WorkflowId, c.RunId, c.Type, WorkflowChangeKind.StatusChanged, WorkflowStatus.Running, passed, c.Now);
        }
        if (c.Completion == CommitCompletion.None)
        {
            if (c.CustomStatusChanged)
            {
                AddChange(scope, c.WorkflowId, c.RunId, c.Type, WorkflowChangeKind.StatusChanged, WorkflowStatus.Running, c.CustomStatus, c.Now);
            }
            return leased;
        }
        if (c.Completion != CommitCompletion.ContinuedAsNew && HasUnseenSignals(scope, c))
        {
            // A signal arrived while the closing activation ran: closing now would drop it unseen.
            // Refuse the commit; the activation runs again with the signal among its inputs.
            throw new StaleHistoryException(c.RunId);
        }
        var status = StatusOf(c.Completion);
        if (status == WorkflowStatus.ContinuedAsNew)
        {
            ContinueAsNewInTx(scope, c);
        }
        CloseRunInTx(scope, c.RunId, status, c.Result, c.Error, c.Now);
        return [];
    }

    /// <summary>History rows are inserted several to a statement: an activation writes two or three, and each statement costs the writer more than a row.</summary>
    private const int HistoryRowsPerInsert = 4;

    private static readonly string[] InsertHistorySql = [.. Enumerable.Range(1, HistoryRowsPerInsert).Select(rows =>
        "INSERT INTO history (run_id, event_id, type, at, body) VALUES " + string.Join(", ", Enumerable.Range(0, rows).Select(i => $"($r, $e{i}, $t{i}, $at{i}, $b{i})")))];

    private static readonly string[][] HistoryParameters = [.. Enumerable.Range(0, HistoryRowsPerInsert).Select(i => new[] { $"$e{i}", $"$t{i}", $"$at{i}", $"$b{i}" })];

    private static void InsertHistory(WriteScope scope, string runId, IReadOnlyList<HistoryEvent> events, string[] bodies)
    {
        for (var first = 0; first < events.Count; first += HistoryRowsPerInsert)
        {
            var rows = Math.Min(HistoryRowsPerInsert, events.Count - first);
            var parameters = new (string Name, object? Value)[1 + 4 * rows];
            parameters[0] = ("$r", runId);
            for (var i = 0; i < rows; i++)
            {
                var e = events[first + i];
                var names = HistoryParameters[i];
                parameters[1 + 4 * i] = (names[0], e.EventId);
                parameters[2 + 4 * i] = (names[1], (int)e.Type);
                parameters[3 + 4 * i] = (names[2], e.Timestamp.ToUnixTimeMilliseconds());
                parameters[4 + 4 * i] = (names[3], bodies[first + i]);
            }
            scope.Execute(InsertHistorySql[rows - 1], parameters);
        }
    }

    private void StartChildInTx(WriteScope scope, ActivationCommit parent, HistoryEvent e)
    {
        var options = ChildOptions(e);
        var result = StartInTx(scope, new NewWorkflow(e.Target!, RunIds.New(), e.Name!, e.Payload, parent.Now, parent.Now,
                parent.WorkflowSpan ?? e.TraceParent, WorkflowIdReusePolicy.AllowDuplicate, WorkflowIdConflictPolicy.UseExisting),
            (parent.WorkflowId, parent.RunId, e.Sequence, options.ParentClosePolicy));
        if (!result.Started)
        {
            InsertInbox(scope, parent.RunId, parent.Now, new HistoryEvent
            {
                Type = HistoryEventType.ChildWorkflowFailed, Sequence = e.Sequence, Timestamp = parent.Now,
                Error = new ErrorInfo("WorkflowAlreadyStarted", $"A workflow with id '{e.Target}' is already running (run {result.RunId})."),
            });
        }
    }

    private void ContinueAsNewInTx(WriteScope scope, ActivationCommit c)
    {
        var nextRun = c.NextRunId!;
        string? parentWorkflow = null, parentRun = null;
        long? parentSeq = null, parentPolicy = null;
        string? traceParent = null;
        using (var reader = scope.Query("SELECT parent_workflow_id, parent_run_id, parent_seq, parent_close_policy, trace_parent FROM executions WHERE run_id = $r", ("$r", c.RunId)))
        {
            reader.Read();
            parentWorkflow = reader.IsDBNull(0) ? null : reader.GetString(0);
            parentRun = reader.IsDBNull(1) ? null : reader.GetString(1);
            parentSeq = reader.IsDBNull(2) ? null : reader.GetInt64(2);
            parentPolicy = reader.IsDBNull(3) ? null : reader.GetInt64(3);
            traceParent = reader.IsDBNull(4) ? null : reader.GetString(4);
        }
        var pending = new List<HistoryEvent>();
        using (var reader = scope.Query("SELECT body FROM inbox WHERE run_id = $r AND type = $t ORDER BY id",
                   ("$r", c.RunId), ("$t", (int)HistoryEventType.SignalReceived)))
        {
            while (reader.Read())
            {
                pending.Add(DurableJson.DeserializeEvent(reader.GetString(0)));
            }
        }
        scope.Execute("UPDATE executions SET is_latest = 0 WHERE run_id = $r", ("$r", c.RunId));
        var nowMs = c.Now.ToUnixTimeMilliseconds();
        scope.Execute("""
            INSERT INTO executions (run_id, workflow_id, is_latest, type, status, input, created_at, updated_at, next_event_id, trace_parent,
                                    parent_workflow_id, parent_run_id, parent_seq, parent_close_policy, custom_status)
            VALUES ($run, $id, 1, $type, 0, $input, $now, $now, 1, $tp, $pw, $pr, $ps, $pp, $cs)
            """,
            ("$run", nextRun), ("$id", c.WorkflowId), ("$type", c.Type), ("$input", c.Result), ("$now", nowMs), ("$tp", traceParent),
            ("$pw", parentWorkflow), ("$pr", parentRun), ("$ps", parentSeq), ("$pp", parentPolicy), ("$cs", c.CustomStatus));
        InsertInbox(scope, nextRun, c.Now, new HistoryEvent
        {
            Type = HistoryEventType.WorkflowStarted, Name = c.Type, Payload = c.Result, Timestamp = c.Now, Target = parentWorkflow, TraceParent = traceParent,
        });
        // Signals survive continue-as-new: first those the old run had buffered, then those it never saw.
        foreach (var signal in c.BufferedSignals)
        {
            InsertInbox(scope, nextRun, c.Now, new HistoryEvent { Type = HistoryEventType.SignalReceived, Name = signal.Name, Payload = signal.Payload, Timestamp = c.Now });
        }
        foreach (var signal in pending)
        {
            InsertInbox(scope, nextRun, c.Now, signal);
        }
        AddChange(scope, c.WorkflowId, nextRun, c.Type, WorkflowChangeKind.Started, WorkflowStatus.Running, c.CustomStatus, c.Now);
    }

    private void CloseRunInTx(WriteScope scope, string runId, WorkflowStatus status, string? result, ErrorInfo? error, DateTimeOffset now)
    {
        RunRow row;
        using (var closed = scope.Query($"""
            UPDATE executions SET status = $s, result = $res, error = $err, closed_at = $now, updated_at = $now, stuck_error = NULL, stuck_until = NULL
            WHERE run_id = $r RETURNING {RunRowColumns}
            """,
            ("$s", (int)status), ("$res", status == WorkflowStatus.ContinuedAsNew ? null : result),
            ("$err", error is null ? null : JsonSerializer.Serialize(error, DurableJson.Options)), ("$now", now.ToUnixTimeMilliseconds()), ("$r", runId)))
        {
            row = closed.Read() ? ReadRunRow(closed) : throw new InvalidOperationException($"Run '{runId}' is not in the store.");
        }
        scope.Execute("DELETE FROM inbox WHERE run_id = $r", ("$r", runId));
        scope.Execute("DELETE FROM activity_tasks WHERE run_id = $r", ("$r", runId));
        AddChange(scope, row.WorkflowId, runId, row.Type, WorkflowChangeKind.Closed, status, row.CustomStatus, now);

        if (status != WorkflowStatus.ContinuedAsNew && row.ParentRunId is not null && IsRunning(scope, row.ParentRunId))
        {
            InsertInbox(scope, row.ParentRunId, now, ChildOutcome(status, row.WorkflowId, row.ParentSeq, result, error, now));
        }

        var children = new List<(string RunId, ParentClosePolicy Policy)>();
        using (var reader = scope.Query("SELECT run_id, parent_close_policy FROM executions WHERE parent_run_id = $r AND status = 0", ("$r", runId)))
        {
            while (reader.Read())
            {
                children.Add((reader.GetString(0), (ParentClosePolicy)reader.GetInt32(1)));
            }
        }
        foreach (var (child, policy) in children)
        {
            if (policy == ParentClosePolicy.Terminate)
            {
                TerminateInTx(scope, child, $"Parent workflow '{row.WorkflowId}' closed.", now);
            }
            else if (policy == ParentClosePolicy.RequestCancel)
            {
                RequestCancelInTx(scope, child, now);
            }
        }
    }

    private void TerminateInTx(WriteScope scope, string runId, string reason, DateTimeOffset now)
    {
        var next = Convert.ToInt64(scope.Scalar("SELECT next_event_id FROM executions WHERE run_id = $r", ("$r", runId)), CultureInfo.InvariantCulture);
        var e = new HistoryEvent { EventId = next, Type = HistoryEventType.WorkflowTerminated, Timestamp = now, Payload = DurableJson.Serialize(reason) };
        InsertHistory(scope, runId, [e], [DurableJson.SerializeEvent(e)]);
        scope.Execute("UPDATE executions SET next_event_id = $n WHERE run_id = $r", ("$n", next + 1), ("$r", runId));
        CloseRunInTx(scope, runId, WorkflowStatus.Terminated, null, new ErrorInfo("Terminated", reason), now);
    }

    private void RequestCancelInTx(WriteScope scope, string runId, DateTimeOffset now)
    {
        if (scope.Execute("UPDATE executions SET cancel_requested = 1 WHERE run_id = $r AND cancel_requested = 0 AND status = 0", ("$r", runId)) == 1)
        {
            InsertInbox(scope, runId, now, new HistoryEvent { Type = HistoryEventType.CancelRequested, Timestamp = now });
        }
    }

    /// <param name="body"><paramref name="e"/> serialized, when the caller has it.</param>
    private static void InsertInbox(WriteScope scope, string runId, DateTimeOffset visibleAt, HistoryEvent e, string? body = null)
    {
        scope.Execute("INSERT INTO inbox (run_id, visible_at, type, seq, body) VALUES ($r, $v, $t, $s, $b)",
            ("$r", runId), ("$v", visibleAt.ToUnixTimeMilliseconds()), ("$t", (int)e.Type), ("$s", e.Sequence), ("$b", body ?? DurableJson.SerializeEvent(e)));
        scope.Effects.Runs.Add((runId, visibleAt.ToUnixTimeMilliseconds()));
        // Timers due later are found through GetNextDueTimeAsync; waking the worker early costs one empty claim.
        scope.Effects.WorkAvailable = true;
    }

    private void AddChange(WriteScope scope, string workflowId, string runId, string type, WorkflowChangeKind kind, WorkflowStatus status, string? customStatus, DateTimeOffset at)
    {
        scope.Execute("INSERT INTO changes (workflow_id, run_id, type, kind, status, custom_status, at) VALUES ($w, $r, $t, $k, $s, $cs, $at)",
            ("$w", workflowId), ("$r", runId), ("$t", type), ("$k", (int)kind), ("$s", (int)status), ("$cs", customStatus), ("$at", at.ToUnixTimeMilliseconds()));
        scope.Effects.Changed = true;
        if (++_changesSincePrune >= ChangeRetention / 10)
        {
            _changesSincePrune = 0;
            scope.Execute("DELETE FROM changes WHERE seq < (SELECT MAX(seq) FROM changes) - $keep", ("$keep", ChangeRetention));
        }
    }

    private static bool HasUnseenSignals(WriteScope scope, ActivationCommit c)
    {
        using var reader = scope.Query("SELECT id FROM inbox WHERE run_id = $r AND type = $t", ("$r", c.RunId), ("$t", (int)HistoryEventType.SignalReceived));
        while (reader.Read())
        {
            if (!c.ConsumedInbox.Contains(reader.GetInt64(0)))
            {
                return true;
            }
        }
        return false;
    }

    private static string? LatestRunning(WriteScope scope, string workflowId) =>
        scope.Scalar("SELECT run_id FROM executions WHERE workflow_id = $id AND is_latest = 1 AND status = 0", ("$id", workflowId)) as string;

    private static bool IsRunning(WriteScope scope, string runId) =>
        scope.Scalar("SELECT 1 FROM executions WHERE run_id = $r AND status = 0", ("$r", runId)) is not null;

    private const string RunRowColumns = "workflow_id, type, custom_status, parent_run_id, parent_seq";

    private readonly record struct RunRow(string WorkflowId, string Type, string? CustomStatus, string? ParentRunId, int ParentSeq);

    private static RunRow? ReadRunRow(WriteScope scope, string runId)
    {
        using var reader = scope.Query($"SELECT {RunRowColumns} FROM executions WHERE run_id = $r", ("$r", runId));
        return reader.Read() ? ReadRunRow(reader) : null;
    }

    private static RunRow ReadRunRow(RawRows reader) =>
        new(reader.GetString(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2),
            reader.IsDBNull(3) ? null : reader.GetString(3), reader.IsDBNull(4) ? 0 : reader.GetInt32(4));

    // ---- reads ----

    private static async Task<IReadOnlyList<HistoryEvent>> ReadHistoryAsync(SqliteConnection connection, string runId, CancellationToken cancellationToken)
    {
        await using var cmd = connection.CreateCommand();
        cmd.CommandText = "SELECT event_id, body FROM history WHERE run_id = $r ORDER BY event_id";
        cmd.Parameters.AddWithValue("$r", runId);
        var events = new List<HistoryEvent>();
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            events.Add(DurableJson.DeserializeEvent(reader.GetString(1)) with { EventId = reader.GetInt64(0) });
        }
        return events;
    }

    private async Task<SqliteConnection> OpenReadAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_readConnectionString);
        await connection.OpenAsync(cancellationToken);
        return connection;
    }

    private static DateTimeOffset FromMs(long ms) => StoreRows.FromMs(ms);
}

internal static class SqliteSchema
{
    public static readonly string[] V1 =
    [
        """
        CREATE TABLE executions (
          run_id TEXT PRIMARY KEY,
          workflow_id TEXT NOT NULL,
          is_latest INTEGER NOT NULL,
          type TEXT NOT NULL,
          status INTEGER NOT NULL,
          input TEXT, result TEXT, error TEXT, custom_status TEXT, buffered_signals TEXT,
          parent_workflow_id TEXT, parent_run_id TEXT, parent_seq INTEGER, parent_close_policy INTEGER,
          created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, closed_at INTEGER,
          next_event_id INTEGER NOT NULL,
          cancel_requested INTEGER NOT NULL DEFAULT 0,
          stuck_error TEXT, stuck_attempts INTEGER NOT NULL DEFAULT 0, stuck_until INTEGER,
          trace_parent TEXT, workflow_span TEXT)
        """,
        "CREATE UNIQUE INDEX ix_executions_latest ON executions (workflow_id) WHERE is_latest = 1",
        "CREATE INDEX ix_executions_created ON executions (created_at DESC, run_id DESC)",
        "CREATE INDEX ix_executions_parent ON executions (parent_run_id) WHERE parent_run_id IS NOT NULL",
        "CREATE INDEX ix_executions_stuck ON executions (stuck_until) WHERE stuck_until IS NOT NULL",
        "CREATE TABLE history (run_id TEXT NOT NULL, event_id INTEGER NOT NULL, type INTEGER NOT NULL, at INTEGER NOT NULL, body TEXT NOT NULL, PRIMARY KEY (run_id, event_id)) WITHOUT ROWID",
        "CREATE TABLE inbox (id INTEGER PRIMARY KEY AUTOINCREMENT, run_id TEXT NOT NULL, visible_at INTEGER NOT NULL, type INTEGER NOT NULL, seq INTEGER, body TEXT NOT NULL)",
        "CREATE INDEX ix_inbox_visible ON inbox (visible_at)",
        "CREATE INDEX ix_inbox_run ON inbox (run_id, type, seq)",
        """
        CREATE TABLE activity_tasks (
          id INTEGER PRIMARY KEY AUTOINCREMENT, run_id TEXT NOT NULL, workflow_id TEXT NOT NULL, seq INTEGER NOT NULL, name TEXT NOT NULL,
          input TEXT, attempt INTEGER NOT NULL, visible_at INTEGER NOT NULL, options TEXT NOT NULL, last_error TEXT, trace_parent TEXT,
          scheduled_at INTEGER NOT NULL)
        """,
        "CREATE INDEX ix_activity_tasks_visible ON activity_tasks (visible_at)",
        "CREATE UNIQUE INDEX ix_activity_tasks_run ON activity_tasks (run_id, seq)",
        "CREATE TABLE changes (seq INTEGER PRIMARY KEY AUTOINCREMENT, workflow_id TEXT NOT NULL, run_id TEXT NOT NULL, type TEXT NOT NULL, kind INTEGER NOT NULL, status INTEGER NOT NULL, custom_status TEXT, at INTEGER NOT NULL)",
    ];

    /// <summary>
    /// Due work is found through the store's in-memory index (rebuilt from the tables at start), never through a query on
    /// due times: the time indexes only cost the writer an index entry to add and remove per inbox row and activity.
    /// </summary>
    public static readonly string[] V2 =
    [
        "DROP INDEX IF EXISTS ix_inbox_visible",
        "DROP INDEX IF EXISTS ix_activity_tasks_visible",
    ];
}
