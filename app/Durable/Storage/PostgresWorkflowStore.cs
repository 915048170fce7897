using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using Npgsql;
using static Durable.Storage.StoreRows;

namespace Durable.Storage;

/// <summary>
/// The shared store: several hosts on one PostgreSQL database. Work is claimed with
/// <c>FOR UPDATE SKIP LOCKED</c> and held under a lease (owner and expiry, renewed while the work runs),
/// so the work of a host that dies is taken over by the others once its leases expire. Every commit
/// re-checks the run's next event id, so an activation on stale history never lands. Commits notify
/// the other hosts (LISTEN/NOTIFY), who wake at once; the worker's poll remains the fallback.
/// </summary>
public sealed class PostgresWorkflowStore : IWorkflowStore
{
    private const int ChangeRetention = 100_000;
    private const int MaxWriteAttempts = 20;

    private readonly NpgsqlDataSource _dataSource;

    /// <summary>
    /// For soft state only (leases, the change feed's numbering): commits that do not wait for the WAL flush. Losing
    /// one in a server crash loses a lease (the work may run twice, never on stale history) or a numbering (redone).
    /// </summary>
    private readonly NpgsqlDataSource _softDataSource;
    private readonly string _connectionString;
    private readonly TimeProvider _time;
    private readonly TimeSpan _lease;
    private readonly ConcurrentDictionary<string, HeldRun> _heldRuns = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<long, byte> _heldActivities = new();
    private readonly CancellationTokenSource _stop = new();
    private Task? _listener;
    private Task? _renewer;
    private Task? _notifier;
    private readonly SemaphoreSlim _notifyWake = new(0);
    private int _notifyWork;
    private int _notifyChanges;
    private long _lastNextDueMs = long.MaxValue;
    private long _numbered;
    private long _claims;

    /// <summary>
    /// The settings of the connections that claim, renew and release work and number the change feed (no state of a run: no need
    /// to wait for the disk). Claims read queues by an index in its order and stop at a limit; planned on statistics taken before
    /// a burst (autovacuum analyzes a table about once a minute at best), PostgreSQL judged a bitmap scan and a sort of every due
    /// run cheaper, and at 10,000 runs due a claim took 20-100 ms instead of under 1 ms. Without bitmap and sequential scans the
    /// index walk is the plan.
    /// </summary>
    internal const string ClaimSessionOptions = "-c synchronous_commit=off -c enable_bitmapscan=off -c enable_seqscan=off";

    /// <param name="connectionString">An Npgsql connection string to a database this store may create tables in.</param>
    /// <param name="leaseDuration">How long a claim stays valid without renewal: the bound on taking over a dead host's work.</param>
    /// <param name="ownerId">This host's name in leases; unique per process.</param>
    public PostgresWorkflowStore(string connectionString, TimeSpan leaseDuration, TimeProvider? timeProvider = null, string? ownerId = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(leaseDuration, TimeSpan.FromMilliseconds(100));
        _connectionString = connectionString;
        // Statements are prepared once per connection (most are the same few per transition), and a connection handed back to the
        // pool is not reset (DISCARD ALL), which would also drop its prepared statements: every statement here is self-contained.
        var tuned = new NpgsqlConnectionStringBuilder(connectionString);
        if (tuned.MaxAutoPrepare == 0)
        {
            tuned.MaxAutoPrepare = 64;
        }
        tuned.NoResetOnClose = true;
        connectionString = tuned.ConnectionString;
        _dataSource = NpgsqlDataSource.Create(connectionString);
        var soft = new NpgsqlConnectionStringBuilder(connectionString);
        soft.Options = $"{soft.Options} {ClaimSessionOptions}".Trim();
        _softDataSource = NpgsqlDataSource.Create(soft.ConnectionString);
        _lease = leaseDuration;
        _time = timeProvider ?? TimeProvider.System;
        OwnerId = ownerId ?? $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid().ToString("N")[..8]}";
    }

    public event Action? WorkAvailable;
    public event Action? Changed;

    /// <summary>The owner written into this host's leases.</summary>
    public string OwnerId { get; }

    /// <summary>Attempts to reach the database at start (about two minutes) before the host gives up.</summary>
    private const int StartAttempts = 30;

    /// <summary>The schema version this build creates and understands.</summary>
    public static int SchemaVersion => PostgresSchema.Versions.Length;

    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        // A host may start before its database, or while it restarts: it waits for it (a while) rather than dying.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await MigrateAsync(cancellationToken);
                break;
            }
            catch (NpgsqlException ex) when (ex.IsTransient && attempt < StartAttempts)
            {
                await Task.Delay(TimeSpan.FromSeconds(Math.Min(5, attempt)), cancellationToken);
            }
        }
        _listener = Task.Run(() => ListenAsync(_stop.Token), CancellationToken.None);
        _renewer = Task.Run(() => RenewLeasesAsync(_stop.Token), CancellationToken.None);
        _notifier = Task.Run(() => NotifyAsync(_stop.Token), CancellationToken.None);
    }

    /// <summary>Brings the schema to <see cref="SchemaVersion"/>; hosts starting together take turns on an advisory lock, so it runs once.</summary>
    private async Task MigrateAsync(CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken);
        var scope = new PostgresScope(connection, tx);
        await scope.ExecuteAsync("SELECT pg_advisory_xact_lock(@k)", ("k", PostgresSchema.MigrationLock));
        await scope.ExecuteAsync("CREATE TABLE IF NOT EXISTS schema_version (version integer NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())");
        var version = Convert.ToInt32(await scope.ScalarAsync("SELECT COALESCE(MAX(version), 0) FROM schema_version"), CultureInfo.InvariantCulture);
        if (version > SchemaVersion)
        {
            throw new InvalidOperationException($"The PostgreSQL store has schema version {version}; this build knows up to {SchemaVersion}.");
        }
        for (var next = version + 1; next <= SchemaVersion; next++)
        {
            foreach (var statement in PostgresSchema.Versions[next - 1])
            {
                await scope.ExecuteAsync(statement);
            }
            await scope.ExecuteAsync("INSERT INTO schema_version (version) VALUES (@v)", ("v", next));
        }
        await tx.CommitAsync(cancellationToken);
    }

    // ---- notifications and leases ----

    private async Task ListenAsync(CancellationToken stop)
    {
        var backoff = TimeSpan.FromMilliseconds(100);
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await using var connection = new NpgsqlConnection(_connectionString);
                await connection.OpenAsync(stop);
                connection.Notification += (_, e) =>
                {
                    if (string.Equals(e.Payload, OwnerId, StringComparison.Ordinal))
                    {
                        return;
                    }
                    if (e.Channel == PostgresSchema.WorkChannel)
                    {
                        Raise(WorkAvailable);
                    }
                    else
                    {
                        Raise(Changed);
                    }
                };
                await using (var listen = new NpgsqlCommand($"LISTEN {PostgresSchema.WorkChannel}; LISTEN {PostgresSchema.ChangesChannel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(stop);
                }
                backoff = TimeSpan.FromMilliseconds(100);
                // Whatever happened while not listening is looked at now.
                Raise(WorkAvailable);
                Raise(Changed);
                while (true)
                {
                    await connection.WaitAsync(stop);
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is NpgsqlException or IOException or TimeoutException or InvalidOperationException)
            {
                // The server went away: listen again when it is back; the workers' polling covers the gap.
                await DelayQuietlyAsync(backoff, stop);
                backoff = TimeSpan.FromMilliseconds(Math.Min(backoff.TotalMilliseconds * 2, 2000));
            }
        }
    }

    /// <summary>Asks the notifier to tell the other hosts; requests made while it is sending are sent together next.</summary>
    private void Notify(bool work, bool changes)
    {
        if (!work && !changes)
        {
            return;
        }
        if (work)
        {
            Volatile.Write(ref _notifyWork, 1);
        }
        if (changes)
        {
            Volatile.Write(ref _notifyChanges, 1);
        }
        if (_notifyWake.CurrentCount == 0)
        {
            try
            {
                _notifyWake.Release();
            }
            catch (SemaphoreFullException)
            {
                // Already signalled.
            }
        }
    }

    /// <summary>
    /// Sends the NOTIFYs after the commits, from a connection of its own, at most one of each channel at a time:
    /// a transaction that notifies takes a database-wide lock through its commit, so notifying inside every
    /// write transaction would serialize all commits (and their WAL flushes) behind one another.
    /// </summary>
    private async Task NotifyAsync(CancellationToken stop)
    {
        NpgsqlConnection? connection = null;
        try
        {
            while (true)
            {
                await _notifyWake.WaitAsync(stop);
                var work = Interlocked.Exchange(ref _notifyWork, 0) == 1;
                var changes = Interlocked.Exchange(ref _notifyChanges, 0) == 1;
                try
                {
                    if (connection is null)
                    {
                        connection = new NpgsqlConnection(_connectionString);
                        await connection.OpenAsync(stop);
                        // A notification is a wake-up call, not state: it need not wait for the disk.
                        await using var setup = new NpgsqlCommand("SET synchronous_commit = off", connection);
                        await setup.ExecuteNonQueryAsync(stop);
                    }
                    await using var cmd = new NpgsqlCommand(
                        (work ? "SELECT pg_notify(@w, @o);" : "") + (changes ? "SELECT pg_notify(@c, @o);" : ""), connection);
                    cmd.Parameters.AddWithValue("w", PostgresSchema.WorkChannel);
                    cmd.Parameters.AddWithValue("c", PostgresSchema.ChangesChannel);
                    cmd.Parameters.AddWithValue("o", OwnerId);
                    await cmd.ExecuteNonQueryAsync(stop);
                }
                catch (Exception ex) when (ex is NpgsqlException or IOException or TimeoutException or InvalidOperationException)
                {
                    // The other hosts' polls cover a lost notification; reconnect for the next one.
                    if (connection is not null)
                    {
                        await connection.DisposeAsync();
                        connection = null;
                    }
                    await DelayQuietlyAsync(TimeSpan.FromMilliseconds(100), stop);
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Closing.
        }
        finally
        {
            if (connection is not null)
            {
                await connection.DisposeAsync();
            }
        }
    }

    /// <summary>Extends the leases of everything this host is working on, three times per lease.</summary>
    private async Task RenewLeasesAsync(CancellationToken stop)
    {
        using var timer = new PeriodicTimer(_lease / 3);
        try
        {
            while (await timer.WaitForNextTickAsync(stop))
            {
                try
                {
                    var runs = _heldRuns.Where(h => !h.Value.Settled).Select(h => h.Key).ToArray();
                    var activities = _heldActivities.Keys.ToArray();
                    if (runs.Length == 0 && activities.Length == 0)
                    {
                        continue;
                    }
                    await using var connection = await _softDataSource.OpenConnectionAsync(stop);
                    await using var batch = new NpgsqlBatch(connection);
                    batch.BatchCommands.Add(Command("UPDATE executions SET lease_until = now() + @lease WHERE run_id = ANY(@ids) AND lease_owner = @o", runs));
                    batch.BatchCommands.Add(Command("UPDATE activity_tasks SET lease_until = now() + @lease WHERE id = ANY(@ids) AND lease_owner = @o", activities));
                    await batch.ExecuteNonQueryAsync(stop);
                }
                catch (Exception ex) when (ex is NpgsqlException or IOException or TimeoutException)
                {
                    // Renewed at the next tick; a lease lost meanwhile only means the work may run twice, never that a commit lands on stale history.
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Closing.
        }

        NpgsqlBatchCommand Command(string sql, object ids)
        {
            var command = new NpgsqlBatchCommand(sql);
            command.Parameters.AddWithValue("lease", _lease);
            command.Parameters.AddWithValue("ids", ids);
            command.Parameters.AddWithValue("o", OwnerId);
            return command;
        }
    }

    /// <summary>Tells the listeners; a listener's failure must not turn a committed write into an error.</summary>
    private static void Raise(Action? handlers)
    {
        if (handlers is null)
        {
            return;
        }
        foreach (var handler in handlers.GetInvocationList().Cast<Action>())
        {
            try
            {
                handler();
            }
            catch (ObjectDisposedException)
            {
                // A listener that went away as the event was raised.
            }
        }
    }

    private static async Task DelayQuietlyAsync(TimeSpan delay, CancellationToken stop)
    {
        try
        {
            await Task.Delay(delay, stop);
        }
        catch (OperationCanceledException)
        {
            // Closing.
        }
    }

    /// <summary>
    /// Runs <paramref name="work"/> in one transaction, again from the start when PostgreSQL aborts it for a deadlock,
    /// a serialization failure or a unique-key race (nothing of it committed then); notifies the other hosts on commit.
    /// </summary>
    private async Task<T> WriteAsync<T>(Func<PostgresScope, Task<T>> work, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
            await using var tx = await connection.BeginTransactionAsync(cancellationToken);
            var scope = new PostgresScope(connection, tx);
            T result;
            try
            {
                result = await work(scope);
                DeferChanges(scope);
                await scope.FlushAsync();
                await tx.CommitAsync(cancellationToken);
            }
            catch (PostgresException ex) when (attempt < MaxWriteAttempts && ex.SqlState is PostgresErrorCodes.DeadlockDetected
                                                   or PostgresErrorCodes.SerializationFailure or PostgresErrorCodes.UniqueViolation)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(1, 5 * attempt)), cancellationToken);
                continue;
            }
            if (scope.WorkAvailable)
            {
                Raise(WorkAvailable);
            }
            if (scope.Changed)
            {
                Raise(Changed);
            }
            Notify(scope.WorkAvailable, scope.Changed);
            return result;
        }
    }

    // ---- client operations ----

    public Task<StartResult> StartWorkflowAsync(NewWorkflow workflow, CancellationToken cancellationToken) =>
        WriteAsync(scope => StartInTx(scope, workflow, parent: null), cancellationToken);

    public Task<bool> SignalAsync(string workflowId, HistoryEvent signal, CancellationToken cancellationToken) =>
        WriteAsync(async scope =>
        {
            var run = await LatestRunningAsync(scope, workflowId);
            if (run is null)
            {
                return false;
            }
            InsertInbox(scope, run, signal.Timestamp, signal);
            return true;
        }, cancellationToken);

    public Task<StartResult> SignalWithStartAsync(NewWorkflow workflow, HistoryEvent signal, CancellationToken cancellationToken) =>
        WriteAsync(async scope =>
        {
            var result = await StartInTx(scope, workflow with { ConflictPolicy = WorkflowIdConflictPolicy.UseExisting, ReusePolicy = WorkflowIdReusePolicy.AllowDuplicate }, parent: null);
            InsertInbox(scope, result.RunId, signal.Timestamp, signal);
            return result;
        }, cancellationToken);

    public Task<bool> RequestCancelAsync(string workflowId, CancellationToken cancellationToken) =>
        WriteAsync(async scope =>
        {
            var run = await LatestRunningAsync(scope, workflowId);
            if (run is null)
            {
                return false;
            }
            await RequestCancelInTx(scope, run, _time.GetUtcNow());
            return true;
        }, cancellationToken);

    public Task<bool> TerminateAsync(string workflowId, string reason, CancellationToken cancellationToken) =>
        WriteAsync(async scope =>
        {
            var run = await LatestRunningAsync(scope, workflowId);
            if (run is null)
            {
                return false;
            }
            await TerminateInTx(scope, run, reason, _time.GetUtcNow());
            return true;
        }, cancellationToken);

    // ---- workflow tasks ----

    /// <summary>
    /// One statement, one round trip: runs with inputs due (executions.due_at, the earliest inbox row, kept by every write of the
    /// inbox), oldest first, not parked, not leased by a live claim, are leased; rows another host is claiming or committing right
    /// now are skipped. Each claimed run comes back once per due inbox row (chronological: a timer's row is inserted when it starts,
    /// long before it fires). Run on a connection with <see cref="ClaimSessionOptions"/>, so it walks ix_executions_due in order and
    /// stops after @max rows, however many runs are due.
    /// </summary>
    internal const string ClaimWorkflowTasksSql = """
        WITH due AS (
          SELECT run_id FROM executions
          WHERE due_at <= @now AND status = 0 AND (stuck_until IS NULL OR stuck_until <= @now) AND (lease_until IS NULL OR lease_until < now())
            AND NOT (run_id = ANY(@held))
          ORDER BY due_at LIMIT @max
          FOR UPDATE SKIP LOCKED),
        claimed AS (
          UPDATE executions x SET lease_owner = @o, lease_until = now() + @lease, lease_seq = x.lease_seq + 1
          FROM due WHERE x.run_id = due.run_id
          RETURNING x.workflow_id, x.run_id, x.type, x.next_event_id, x.workflow_span, x.stuck_attempts, x.lease_seq)
        SELECT c.workflow_id, c.run_id, c.type, c.next_event_id, c.workflow_span, c.stuck_attempts, c.lease_seq, i.id, i.body
        FROM claimed c LEFT JOIN inbox i ON i.run_id = c.run_id AND i.visible_at <= @now
        ORDER BY c.run_id, i.visible_at, i.id
        """;

    public async Task<IReadOnlyList<WorkflowTask>> ClaimWorkflowTasksAsync(int max, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var nowMs = now.ToUnixTimeMilliseconds();
        await using var connection = await _softDataSource.OpenConnectionAsync(cancellationToken);
        var claimNumber = Interlocked.Increment(ref _claims);
        // Runs this host committed but has not yet put back in its cache wait for that, so their next activation finds them there.
        var held = _heldRuns.Keys.ToArray();
        await using var cmd = new NpgsqlCommand(ClaimWorkflowTasksSql, connection);
        cmd.Parameters.AddWithValue("now", nowMs);
        cmd.Parameters.AddWithValue("max", max);
        cmd.Parameters.AddWithValue("o", OwnerId);
        cmd.Parameters.AddWithValue("lease", _lease);
        cmd.Parameters.AddWithValue("held", held);
        var tasks = new List<WorkflowTask>();
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        List<InboxItem>? inbox = null;
        while (await reader.ReadAsync(cancellationToken))
        {
            var runId = reader.GetString(1);
            if (tasks.Count == 0 || !string.Equals(tasks[^1].RunId, runId, StringComparison.Ordinal))
            {
                inbox = [];
                var leaseSeq = reader.GetInt64(6);
                _heldRuns[runId] = new HeldRun(leaseSeq, claimNumber);
                tasks.Add(new WorkflowTask(reader.GetString(0), runId, reader.GetString(2), reader.GetInt64(3),
                    inbox, reader.IsDBNull(4) ? null : reader.GetString(4), reader.GetInt32(5)));
            }
            if (!reader.IsDBNull(7))
            {
                inbox!.Add(new InboxItem(reader.GetInt64(7), DurableJson.DeserializeEvent(reader.GetString(8))));
            }
        }
        return tasks;
    }

    public void ReleaseWorkflowTask(string runId, bool retry)
    {
        if (!_heldRuns.TryRemove(runId, out var held))
        {
            return;
        }
        if (held.Settled)
        {
            // Committed or parked: that transaction ended the lease. A later claim passed over this run and may have left it due.
            if (Interlocked.Read(ref _claims) != held.ClaimNumber)
            {
                Raise(WorkAvailable);
            }
            return;
        }
        _ = ReleaseLeaseAsync(runId, held.LeaseSeq, retry);
    }

    private async Task ReleaseLeaseAsync(string runId, long leaseSeq, bool retry)
    {
        try
        {
            await using var connection = await _softDataSource.OpenConnectionAsync(_stop.Token);
            await using var cmd = new NpgsqlCommand(
                "UPDATE executions SET lease_owner = NULL, lease_until = NULL WHERE run_id = @r AND lease_owner = @o AND lease_seq = @s", connection);
            cmd.Parameters.AddWithValue("r", runId);
            cmd.Parameters.AddWithValue("o", OwnerId);
            cmd.Parameters.AddWithValue("s", leaseSeq);
            await cmd.ExecuteNonQueryAsync(_stop.Token);
        }
        catch (Exception ex) when (ex is NpgsqlException or IOException or TimeoutException or OperationCanceledException or ObjectDisposedException)
        {
            // The lease runs out by itself.
            return;
        }
        if (retry)
        {
            Raise(WorkAvailable);
            Notify(work: true, changes: false);
        }
    }

    public async Task<IReadOnlyList<HistoryEvent>> LoadHistoryAsync(string runId, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        return await ReadHistoryAsync(connection, runId, cancellationToken);
    }

    public async Task<IReadOnlyList<ActivityTask>> CommitActivationAsync(ActivationCommit commit, CancellationToken cancellationToken)
    {
        var bodies = new string[commit.NewEvents.Count];
        for (var i = 0; i < bodies.Length; i++)
        {
            bodies[i] = DurableJson.SerializeEvent(commit.NewEvents[i]);
        }
        List<ActivityTask> leased;
        try
        {
            leased = await WriteAsync(scope => CommitInTx(scope, commit, bodies), cancellationToken);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresScope.ExpectationFailed)
        {
            throw new StaleHistoryException(commit.RunId);
        }
        MarkSettled(commit.RunId);
        // Renewed like claimed ones until the caller completes or retries them.
        foreach (var task in leased)
        {
            _heldActivities[task.Id] = 0;
        }
        return leased;
    }

    private void MarkSettled(string runId)
    {
        if (_heldRuns.TryGetValue(runId, out var held))
        {
            held.Settled = true;
        }
    }

    public async Task MarkStuckAsync(string runId, string error, DateTimeOffset retryAt, string? workflowSpan, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        await WriteAsync(async scope =>
        {
            var row = await ReadRunRowAsync(scope, runId, lockRow: true);
            scope.Defer("""
                UPDATE executions SET stuck_error = @e, stuck_attempts = stuck_attempts + 1, stuck_until = @u, updated_at = @now,
                  workflow_span = COALESCE(workflow_span, @span), lease_owner = NULL, lease_until = NULL
                WHERE run_id = @r AND status = 0
                """,
                ("span", workflowSpan), ("e", error), ("u", retryAt.ToUnixTimeMilliseconds()), ("now", now.ToUnixTimeMilliseconds()), ("r", runId));
            if (row is not null)
            {
                AddChange(scope, row.Value.WorkflowId, runId, row.Value.Type, WorkflowChangeKind.Stuck, WorkflowStatus.Running, row.Value.CustomStatus, now);
            }
            return 0;
        }, cancellationToken);
        MarkSettled(runId);
    }

    // ---- activity tasks ----

    public async Task<IReadOnlyList<ActivityTask>> ClaimActivityTasksAsync(int max, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await _softDataSource.OpenConnectionAsync(cancellationToken);
        await using var cmd = new NpgsqlCommand($"""
            WITH due AS (
              SELECT id FROM activity_tasks WHERE visible_at <= @now AND (lease_until IS NULL OR lease_until < now())
              ORDER BY visible_at LIMIT @max FOR UPDATE SKIP LOCKED)
            UPDATE activity_tasks a SET lease_owner = @o, lease_until = now() + @lease
            FROM due WHERE a.id = due.id
            RETURNING {string.Join(", ", ActivityColumns.Split(", ").Select(c => "a." + c))}
            """, connection);
        cmd.Parameters.AddWithValue("now", now.ToUnixTimeMilliseconds());
        cmd.Parameters.AddWithValue("max", max);
        cmd.Parameters.AddWithValue("o", OwnerId);
        cmd.Parameters.AddWithValue("lease", _lease);
        var tasks = new List<ActivityTask>();
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var task = ReadActivity(reader);
            _heldActivities[task.Id] = 0;
            tasks.Add(task);
        }
        return tasks;
    }

    public async Task CompleteActivityAsync(ActivityTask task, HistoryEvent outcome, CancellationToken cancellationToken)
    {
        try
        {
            await WriteAsync(async scope =>
            {
                // One round trip: the run's row lock first (as every transaction takes it), so a close cannot slip between the
                // delete and the insert; then the outcome goes to the inbox only if the task was still there at this attempt
                // (a late result of an attempt that timed out and was retried is dropped) and the run is still running.
                scope.Defer("SELECT 1 FROM executions WHERE run_id = @r FOR UPDATE", ("r", task.RunId));
                scope.Defer("""
                    WITH d AS (DELETE FROM activity_tasks WHERE id = @id AND attempt = @a RETURNING 1),
                         i AS (INSERT INTO inbox (run_id, visible_at, type, seq, body)
                               SELECT @r, @v, @t, @s, @b WHERE EXISTS (SELECT 1 FROM d) AND EXISTS (SELECT 1 FROM executions WHERE run_id = @r AND status = 0)
                               RETURNING 1)
                    UPDATE executions SET due_at = LEAST(due_at, @v) WHERE run_id = @r AND EXISTS (SELECT 1 FROM i)
                    """,
                    ("id", task.Id), ("a", task.Attempt), ("r", task.RunId), ("v", outcome.Timestamp.ToUnixTimeMilliseconds()), ("t", (int)outcome.Type),
                    ("s", outcome.Sequence), ("b", DurableJson.SerializeEvent(outcome)));
                scope.WorkAvailable = true;
                return 0;
            }, cancellationToken);
        }
        finally
        {
            _heldActivities.TryRemove(task.Id, out _);
        }
    }

    public async Task RetryActivityAsync(ActivityTask task, int nextAttempt, DateTimeOffset visibleAt, ErrorInfo error, CancellationToken cancellationToken)
    {
        try
        {
            await WriteAsync(scope => scope.ExecuteAsync("""
                UPDATE activity_tasks SET attempt = @n, visible_at = @v, last_error = @e, lease_owner = NULL, lease_until = NULL
                WHERE id = @id AND attempt = @a
                """,
                ("n", nextAttempt), ("v", visibleAt.ToUnixTimeMilliseconds()), ("e", SerializeError(error)), ("id", task.Id), ("a", task.Attempt)),
                cancellationToken);
        }
        finally
        {
            _heldActivities.TryRemove(task.Id, out _);
        }
    }

    public async Task<DateTimeOffset?> GetNextDueTimeAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var nowMs = now.ToUnixTimeMilliseconds();
        if (Interlocked.Read(ref _lastNextDueMs) <= nowMs)
        {
            // What was due later when last looked at is due now (the clock moved on): wake the worker.
            Interlocked.Exchange(ref _lastNextDueMs, long.MaxValue);
            Raise(WorkAvailable);
        }
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var cmd = new NpgsqlCommand("""
            SELECT LEAST(
              (SELECT MIN(visible_at) FROM inbox WHERE visible_at > @now),
              (SELECT MIN(visible_at) FROM activity_tasks WHERE visible_at > @now),
              (SELECT MIN(stuck_until) FROM executions WHERE stuck_until > @now AND status = 0))
            """, connection);
        cmd.Parameters.AddWithValue("now", nowMs);
        var next = await cmd.ExecuteScalarAsync(cancellationToken) as long?;
        Interlocked.Exchange(ref _lastNextDueMs, next ?? long.MaxValue);
        return next is { } ms ? FromMs(ms) : null;
    }

    // ---- reads ----

    public async Task<WorkflowDescription?> DescribeAsync(string workflowId, string? runId, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        WorkflowDescription description;
        await using (var cmd = new NpgsqlCommand(runId is null
                         ? $"SELECT {DescribeColumns} FROM executions WHERE workflow_id = @id AND is_latest"
                         : $"SELECT {DescribeColumns} FROM executions WHERE workflow_id = @id AND run_id = @run", connection))
        {
            cmd.Parameters.AddWithValue("id", workflowId);
            cmd.Parameters.AddWithValue("run", (object?)runId ?? DBNull.Value);
            await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
            if (!await reader.ReadAsync(cancellationToken))
            {
                return null;
            }
            description = ReadDescription(reader);
        }
        var run = description.RunId;
        var activities = new List<PendingActivity>();
        await using (var cmd = new NpgsqlCommand("SELECT seq, name, attempt, visible_at, last_error FROM activity_tasks WHERE run_id = @run ORDER BY seq", connection))
        {
            cmd.Parameters.AddWithValue("run", run);
            await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                activities.Add(ReadPendingActivity(reader));
            }
        }
        var timers = new List<PendingTimer>();
        var inboxSignals = new List<BufferedSignal>();
        await using (var cmd = new NpgsqlCommand("SELECT type, seq, visible_at, body FROM inbox WHERE run_id = @run AND type IN (@timer, @signal) ORDER BY id", connection))
        {
            cmd.Parameters.AddWithValue("run", run);
            cmd.Parameters.AddWithValue("timer", (int)HistoryEventType.TimerFired);
            cmd.Parameters.AddWithValue("signal", (int)HistoryEventType.SignalReceived);
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
        await using (var cmd = new NpgsqlCommand("SELECT workflow_id, run_id, type, status FROM executions WHERE parent_run_id = @run ORDER BY created_at", connection))
        {
            cmd.Parameters.AddWithValue("run", run);
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
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        if (runId is null)
        {
            await using var cmd = new NpgsqlCommand("SELECT run_id FROM executions WHERE workflow_id = @id AND is_latest", connection);
            cmd.Parameters.AddWithValue("id", workflowId);
            runId = await cmd.ExecuteScalarAsync(cancellationToken) as string ?? throw new WorkflowNotFoundException(workflowId);
        }
        return await ReadHistoryAsync(connection, runId, cancellationToken);
    }

    public async Task<WorkflowSummary?> GetSummaryAsync(string workflowId, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var cmd = new NpgsqlCommand($"SELECT {SummaryColumns} FROM executions WHERE workflow_id = @id AND is_latest", connection);
        cmd.Parameters.AddWithValue("id", workflowId);
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? ReadSummary(reader) : null;
    }

    public async Task<WorkflowPage> ListAsync(WorkflowQuery query, CancellationToken cancellationToken)
    {
        var pageSize = Math.Clamp(query.PageSize, 1, 1000);
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var cmd = new NpgsqlCommand { Connection = connection };
        PrepareList(cmd, query, pageSize, '@', "starts_with(workflow_id, @prefix)");
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
        await using var connection = await _softDataSource.OpenConnectionAsync(cancellationToken);
        await NumberChangesAsync(connection, cancellationToken);
        await using var cmd = new NpgsqlCommand($"SELECT {ChangeColumns} FROM changes WHERE seq > @after ORDER BY seq LIMIT @max", connection);
        cmd.Parameters.AddWithValue("after", afterSequence);
        cmd.Parameters.AddWithValue("max", max);
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
        await using var connection = await _softDataSource.OpenConnectionAsync(cancellationToken);
        await NumberChangesAsync(connection, cancellationToken);
        await using var cmd = new NpgsqlCommand("SELECT COALESCE(MAX(seq), 0) FROM changes", connection);
        return (long)(await cmd.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>
    /// Gives committed, unnumbered changes the next sequence numbers, one numbering at a time (an advisory lock):
    /// a number is only ever handed out after its row committed, so a reader past it never misses a commit that was in flight.
    /// </summary>
    private async Task NumberChangesAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var tx = await connection.BeginTransactionAsync(cancellationToken);
        await using (var cmd = new NpgsqlCommand("""
            SELECT pg_advisory_xact_lock(@k);
            WITH pending AS (SELECT id, row_number() OVER (ORDER BY id) AS n FROM changes WHERE seq IS NULL)
            UPDATE changes c SET seq = (SELECT COALESCE(MAX(seq), 0) FROM changes) + p.n FROM pending p WHERE c.id = p.id
            """, connection, tx))
        {
            cmd.Parameters.AddWithValue("k", PostgresSchema.ChangeFeedLock);
            var numbered = await cmd.ExecuteNonQueryAsync(cancellationToken);
            if (numbered > 0 && Interlocked.Add(ref _numbered, numbered) >= ChangeRetention / 10)
            {
                Interlocked.Exchange(ref _numbered, 0);
                await using var prune = new NpgsqlCommand("DELETE FROM changes WHERE seq < (SELECT MAX(seq) FROM changes) - @keep", connection, tx);
                prune.Parameters.AddWithValue("keep", ChangeRetention);
                await prune.ExecuteNonQueryAsync(cancellationToken);
            }
        }
        await tx.CommitAsync(cancellationToken);
    }

    private static async Task<IReadOnlyList<HistoryEvent>> ReadHistoryAsync(NpgsqlConnection connection, string runId, CancellationToken cancellationToken)
    {
        await using var cmd = new NpgsqlCommand("SELECT event_id, body FROM history WHERE run_id = @r ORDER BY event_id", connection);
        cmd.Parameters.AddWithValue("r", runId);
        var events = new List<HistoryEvent>();
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            events.Add(DurableJson.DeserializeEvent(reader.GetString(1)) with { EventId = reader.GetInt64(0) });
        }
        return events;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            await _stop.CancelAsync();
        }
        foreach (var task in new[] { _listener, _renewer, _notifier })
        {
            if (task is not null)
            {
                await task.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
        // Hand back what is still held so other hosts need not wait for the leases to run out.
        var runs = _heldRuns.Keys.ToArray();
        var activities = _heldActivities.Keys.ToArray();
        _heldRuns.Clear();
        _heldActivities.Clear();
        if (runs.Length > 0 || activities.Length > 0)
        {
            try
            {
                await using var connection = await _softDataSource.OpenConnectionAsync();
                await using var cmd = new NpgsqlCommand("""
                    UPDATE executions SET lease_owner = NULL, lease_until = NULL WHERE run_id = ANY(@runs) AND lease_owner = @o;
                    UPDATE activity_tasks SET lease_owner = NULL, lease_until = NULL WHERE id = ANY(@ids) AND lease_owner = @o;
                    """, connection);
                cmd.Parameters.AddWithValue("runs", runs);
                cmd.Parameters.AddWithValue("ids", activities);
                cmd.Parameters.AddWithValue("o", OwnerId);
                await cmd.ExecuteNonQueryAsync();
            }
            catch (Exception ex) when (ex is NpgsqlException or IOException or TimeoutException)
            {
                // The leases run out by themselves.
            }
        }
        await _dataSource.DisposeAsync();
        await _softDataSource.DisposeAsync();
        _stop.Dispose();
        _notifyWake.Dispose();
    }

    // ---- transactions ----

    /// <summary>The latest run of <paramref name="workflowId"/> if it is running, locked for this transaction.</summary>
    private static async Task<string?> LatestRunningAsync(PostgresScope scope, string workflowId)
    {
        for (var attempt = 0; attempt < 10; attempt++)
        {
            var run = await scope.ScalarAsync("SELECT run_id FROM executions WHERE workflow_id = @id AND is_latest AND status = 0", ("id", workflowId)) as string;
            if (run is null)
            {
                return null;
            }
            if (await IsRunningAsync(scope, run, lockRow: true))
            {
                return run;
            }
            // It closed (or continued as new) while this waited for the lock: look again.
        }
        return null;
    }

    private static async Task<bool> IsRunningAsync(PostgresScope scope, string runId, bool lockRow) =>
        await scope.ScalarAsync(lockRow ? "SELECT 1 FROM executions WHERE run_id = @r AND status = 0 FOR UPDATE" : "SELECT 1 FROM executions WHERE run_id = @r AND status = 0",
            ("r", runId)) is not null;

    private static async Task<(string WorkflowId, string Type, string? CustomStatus, string? ParentRunId, int ParentSeq)?> ReadRunRowAsync(
        PostgresScope scope, string runId, bool lockRow = false)
    {
        await using var reader = await scope.ReaderAsync("SELECT workflow_id, type, custom_status, parent_run_id, parent_seq FROM executions WHERE run_id = @r" + (lockRow ? " FOR UPDATE" : ""),
            ("r", runId));
        if (!await reader.ReadAsync())
        {
            return null;
        }
        return (reader.GetString(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2),
            reader.IsDBNull(3) ? null : reader.GetString(3), reader.IsDBNull(4) ? 0 : reader.GetInt32(4));
    }

    private async Task<StartResult> StartInTx(PostgresScope scope, NewWorkflow wf, (string WorkflowId, string RunId, int Seq, ParentClosePolicy Policy)? parent)
    {
        string? existingRun = null;
        var status = WorkflowStatus.Running;
        await using (var reader = await scope.ReaderAsync("SELECT run_id, status FROM executions WHERE workflow_id = @id AND is_latest FOR UPDATE", ("id", wf.WorkflowId)))
        {
            if (await reader.ReadAsync())
            {
                existingRun = reader.GetString(0);
                status = (WorkflowStatus)reader.GetInt32(1);
            }
        }
        if (existingRun is not null)
        {
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
            scope.Defer("UPDATE executions SET is_latest = false WHERE run_id = @r", ("r", existingRun));
        }
        var now = wf.CreatedAt.ToUnixTimeMilliseconds();
        // A concurrent start of the same id loses on the unique index and runs again (WriteAsync), then sees this run.
        scope.Defer("""
            INSERT INTO executions (run_id, workflow_id, is_latest, type, status, input, created_at, updated_at, next_event_id, trace_parent,
                                    parent_workflow_id, parent_run_id, parent_seq, parent_close_policy)
            VALUES (@run, @id, true, @type, 0, @input, @now, @now, 1, @tp, @pw, @pr, @ps, @pp)
            """,
            ("run", wf.RunId), ("id", wf.WorkflowId), ("type", wf.Type), ("input", wf.Input), ("now", now), ("tp", wf.TraceParent),
            ("pw", parent?.WorkflowId), ("pr", parent?.RunId), ("ps", parent?.Seq), ("pp", parent is null ? null : (int)parent.Value.Policy));
        InsertInbox(scope, wf.RunId, wf.VisibleAt, new HistoryEvent
        {
            Type = HistoryEventType.WorkflowStarted,
            Timestamp = wf.CreatedAt,
            Name = wf.Type,
            Payload = wf.Input,
            Target = parent?.WorkflowId,
            TraceParent = wf.TraceParent,
        });
        AddChange(scope, wf.WorkflowId, wf.RunId, wf.Type, WorkflowChangeKind.Started, WorkflowStatus.Running, null, wf.CreatedAt);
        return new StartResult(wf.WorkflowId, wf.RunId, true, WorkflowStatus.Running);
    }

    /// <returns>The scheduled activities leased to this host (none when the run closes: its activities go with it).</returns>
    private async Task<List<ActivityTask>> CommitInTx(PostgresScope scope, ActivationCommit c, string[] bodies)
    {
        var leased = new List<ActivityTask>();
        // Checked in the database, deferred with the rest (one round trip): a failed check aborts the transaction (CommitActivationAsync
        // turns it into StaleHistoryException) before anything after it runs.
        scope.Defer("""
            SELECT durable_expect((SELECT count(*) FROM (SELECT 1 FROM executions WHERE run_id = @r AND next_event_id = @n AND status = 0 FOR UPDATE) g), 1)
            """, ("r", c.RunId), ("n", c.ExpectedNextEventId));
        if (c.ConsumedInbox.Count > 0)
        {
            scope.Defer("WITH d AS (DELETE FROM inbox WHERE id = ANY(@ids) RETURNING 1) SELECT durable_expect((SELECT count(*) FROM d), @c)",
                ("ids", c.ConsumedInbox.ToArray()), ("c", (long)c.ConsumedInbox.Count));
        }
        var nowMs = c.Now.ToUnixTimeMilliseconds();
        scope.Defer("""
            INSERT INTO history (run_id, event_id, type, at, body)
            SELECT @r, e.id, e.type, e.at, e.body FROM unnest(@ids, @types, @ats, @bodies) AS e(id, type, at, body)
            """,
            ("r", c.RunId), ("ids", c.NewEvents.Select(e => e.EventId).ToArray()), ("types", c.NewEvents.Select(e => (int)e.Type).ToArray()),
            ("ats", c.NewEvents.Select(e => e.Timestamp.ToUnixTimeMilliseconds()).ToArray()), ("bodies", bodies));
        var scheduled = c.NewEvents.Where(e => e.Type == HistoryEventType.ActivityScheduled).ToList();
        if (scheduled.Count > 0)
        {
            // The first LeaseActivities are leased to this host as a claim would lease them (eager dispatch); the rest are queued.
            var lease = c.Completion == CommitCompletion.None ? Math.Min(c.LeaseActivities, scheduled.Count) : 0;
            var insert = """
                INSERT INTO activity_tasks (run_id, workflow_id, seq, name, input, attempt, visible_at, options, trace_parent, scheduled_at, lease_owner, lease_until)
                SELECT @r, @w, a.seq, a.name, a.input, 1, @now, a.options, @tp, @now,
                  CASE WHEN a.n <= @lc THEN @o END, CASE WHEN a.n <= @lc THEN now() + @lease END
                FROM unnest(@seqs, @names, @inputs, @options) WITH ORDINALITY AS a(seq, name, input, options, n)
                """;
            (string, object?)[] parameters =
            [
                ("r", c.RunId), ("w", c.WorkflowId), ("now", nowMs), ("tp", c.WorkflowSpan), ("lc", (long)lease), ("o", OwnerId), ("lease", _lease),
                ("seqs", scheduled.Select(e => e.Sequence).ToArray()), ("names", scheduled.Select(e => e.Name!).ToArray()),
                ("inputs", scheduled.Select(e => e.Payload).ToArray()), ("options", scheduled.Select(e => e.Options ?? "{}").ToArray()),
            ];
            if (lease == 0)
            {
                scope.Defer(insert, parameters);
            }
            else
            {
                // The leased activities' ids are read back: one more round trip, instead of a claim's.
                await using var reader = await scope.ReaderAsync(insert + " RETURNING id, seq, lease_owner IS NOT NULL", parameters);
                while (await reader.ReadAsync())
                {
                    if (reader.GetBoolean(2))
                    {
                        var seq = reader.GetInt32(1);
                        leased.Add(FirstAttempt(reader.GetInt64(0), c, scheduled.First(e => e.Sequence == seq)));
                    }
                }
            }
            scope.WorkAvailable |= scheduled.Count > lease;
        }
        foreach (var e in c.NewEvents)
        {
            switch (e.Type)
            {
                case HistoryEventType.ActivityCancelRequested:
                    scope.Defer("DELETE FROM activity_tasks WHERE run_id = @r AND seq = @s", ("r", c.RunId), ("s", e.Sequence));
                    break;
                case HistoryEventType.TimerStarted:
                    var fireAt = DateTimeOffset.Parse(e.Options!, CultureInfo.InvariantCulture);
                    InsertInbox(scope, c.RunId, fireAt, new HistoryEvent { Type = HistoryEventType.TimerFired, Sequence = e.Sequence, Timestamp = fireAt });
                    break;
                case HistoryEventType.TimerCanceled:
                    scope.Defer("DELETE FROM inbox WHERE run_id = @r AND type = @t AND seq = @s",
                        ("r", c.RunId), ("t", (int)HistoryEventType.TimerFired), ("s", e.Sequence));
                    break;
                case HistoryEventType.ChildWorkflowStarted:
                    await StartChildInTx(scope, c, e);
                    break;
                case HistoryEventType.ChildWorkflowCancelRequested:
                    var child = await scope.ScalarAsync("SELECT run_id FROM executions WHERE parent_run_id = @r AND parent_seq = @s AND status = 0 FOR UPDATE",
                        ("r", c.RunId), ("s", e.Sequence)) as string;
                    if (child is not null)
                    {
                        await RequestCancelInTx(scope, child, c.Now);
                    }
                    break;
                case HistoryEventType.ExternalSignalSent:
                    var target = await LatestRunningAsync(scope, e.Target!);
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
        var nextEventId = c.ExpectedNextEventId + c.NewEvents.Count;
        scope.Defer("""
            UPDATE executions SET next_event_id = @n, updated_at = @now, buffered_signals = @b,
              custom_status = CASE WHEN @changed THEN @cs ELSE custom_status END,
              workflow_span = COALESCE(workflow_span, @span), stuck_error = NULL, stuck_attempts = 0, stuck_until = NULL,
              lease_owner = NULL, lease_until = NULL, due_at = (SELECT MIN(visible_at) FROM inbox WHERE run_id = @r)
            WHERE run_id = @r
            """,
            ("n", nextEventId), ("now", nowMs), ("b", SerializeBufferedSignals(c.BufferedSignals)),
            ("changed", c.CustomStatusChanged), ("cs", c.CustomStatus), ("span", c.WorkflowSpan), ("r", c.RunId));
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
        if (c.Completion != CommitCompletion.ContinuedAsNew && await HasUnseenSignalsAsync(scope, c))
        {
            // A signal arrived while the closing activation ran: closing now would drop it unseen.
            // Refuse the commit; the activation runs again with the signal among its inputs.
            throw new StaleHistoryException(c.RunId);
        }
        var status = StatusOf(c.Completion);
        if (status == WorkflowStatus.ContinuedAsNew)
        {
            await ContinueAsNewInTx(scope, c);
        }
        await CloseRunInTx(scope, c.RunId, status, c.Result, c.Error, c.Now);
        return leased;
    }

    private async Task StartChildInTx(PostgresScope scope, ActivationCommit parent, HistoryEvent e)
    {
        var options = ChildOptions(e);
        var result = await StartInTx(scope, new NewWorkflow(e.Target!, RunIds.New(), e.Name!, e.Payload, parent.Now, parent.Now,
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

    private async Task ContinueAsNewInTx(PostgresScope scope, ActivationCommit c)
    {
        var nextRun = c.NextRunId!;
        string? parentWorkflow, parentRun, traceParent;
        int? parentSeq, parentPolicy;
        await using (var reader = await scope.ReaderAsync("SELECT parent_workflow_id, parent_run_id, parent_seq, parent_close_policy, trace_parent FROM executions WHERE run_id = @r", ("r", c.RunId)))
        {
            await reader.ReadAsync();
            parentWorkflow = reader.IsDBNull(0) ? null : reader.GetString(0);
            parentRun = reader.IsDBNull(1) ? null : reader.GetString(1);
            parentSeq = reader.IsDBNull(2) ? null : reader.GetInt32(2);
            parentPolicy = reader.IsDBNull(3) ? null : reader.GetInt32(3);
            traceParent = reader.IsDBNull(4) ? null : reader.GetString(4);
        }
        var pending = new List<HistoryEvent>();
        await using (var reader = await scope.ReaderAsync("SELECT body FROM inbox WHERE run_id = @r AND type = @t ORDER BY id", ("r", c.RunId), ("t", (int)HistoryEventType.SignalReceived)))
        {
            while (await reader.ReadAsync())
            {
                pending.Add(DurableJson.DeserializeEvent(reader.GetString(0)));
            }
        }
        scope.Defer("UPDATE executions SET is_latest = false WHERE run_id = @r", ("r", c.RunId));
        var nowMs = c.Now.ToUnixTimeMilliseconds();
        scope.Defer("""
            INSERT INTO executions (run_id, workflow_id, is_latest, type, status, input, created_at, updated_at, next_event_id, trace_parent,
                                    parent_workflow_id, parent_run_id, parent_seq, parent_close_policy, custom_status)
            VALUES (@run, @id, true, @type, 0, @input, @now, @now, 1, @tp, @pw, @pr, @ps, @pp, @cs)
            """,
            ("run", nextRun), ("id", c.WorkflowId), ("type", c.Type), ("input", c.Result), ("now", nowMs), ("tp", traceParent),
            ("pw", parentWorkflow), ("pr", parentRun), ("ps", parentSeq), ("pp", parentPolicy), ("cs", c.CustomStatus));
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

    private async Task CloseRunInTx(PostgresScope scope, string runId, WorkflowStatus status, string? result, ErrorInfo? error, DateTimeOffset now)
    {
        var row = (await ReadRunRowAsync(scope, runId))!.Value;
        scope.Defer("""
            UPDATE executions SET status = @s, result = @res, error = @err, closed_at = @now, updated_at = @now, stuck_error = NULL, stuck_until = NULL,
              lease_owner = NULL, lease_until = NULL, due_at = NULL
            WHERE run_id = @r
            """,
            ("s", (int)status), ("res", status == WorkflowStatus.ContinuedAsNew ? null : result),
            ("err", error is null ? null : SerializeError(error)), ("now", now.ToUnixTimeMilliseconds()), ("r", runId));
        scope.Defer("DELETE FROM inbox WHERE run_id = @r", ("r", runId));
        scope.Defer("DELETE FROM activity_tasks WHERE run_id = @r", ("r", runId));
        AddChange(scope, row.WorkflowId, runId, row.Type, WorkflowChangeKind.Closed, status, row.CustomStatus, now);

        if (status != WorkflowStatus.ContinuedAsNew && row.ParentRunId is not null && await IsRunningAsync(scope, row.ParentRunId, lockRow: true))
        {
            InsertInbox(scope, row.ParentRunId, now, ChildOutcome(status, row.WorkflowId, row.ParentSeq, result, error, now));
        }

        var children = new List<(string RunId, ParentClosePolicy Policy)>();
        await using (var reader = await scope.ReaderAsync("SELECT run_id, parent_close_policy FROM executions WHERE parent_run_id = @r AND status = 0 FOR UPDATE", ("r", runId)))
        {
            while (await reader.ReadAsync())
            {
                children.Add((reader.GetString(0), (ParentClosePolicy)reader.GetInt32(1)));
            }
        }
        foreach (var (child, policy) in children)
        {
            if (policy == ParentClosePolicy.Terminate)
            {
                await TerminateInTx(scope, child, $"Parent workflow '{row.WorkflowId}' closed.", now);
            }
            else if (policy == ParentClosePolicy.RequestCancel)
            {
                await RequestCancelInTx(scope, child, now);
            }
        }
    }

    private async Task TerminateInTx(PostgresScope scope, string runId, string reason, DateTimeOffset now)
    {
        var next = Convert.ToInt64(await scope.ScalarAsync("SELECT next_event_id FROM executions WHERE run_id = @r FOR UPDATE", ("r", runId)), CultureInfo.InvariantCulture);
        var e = new HistoryEvent { EventId = next, Type = HistoryEventType.WorkflowTerminated, Timestamp = now, Payload = DurableJson.Serialize(reason) };
        scope.Defer("INSERT INTO history (run_id, event_id, type, at, body) VALUES (@r, @e, @t, @at, @b)",
            ("r", runId), ("e", next), ("t", (int)e.Type), ("at", now.ToUnixTimeMilliseconds()), ("b", DurableJson.SerializeEvent(e)));
        scope.Defer("UPDATE executions SET next_event_id = @n WHERE run_id = @r", ("n", next + 1), ("r", runId));
        await CloseRunInTx(scope, runId, WorkflowStatus.Terminated, null, new ErrorInfo("Terminated", reason), now);
    }

    private static async Task RequestCancelInTx(PostgresScope scope, string runId, DateTimeOffset now)
    {
        if (await scope.ExecuteAsync("UPDATE executions SET cancel_requested = true WHERE run_id = @r AND NOT cancel_requested AND status = 0", ("r", runId)) == 1)
        {
            InsertInbox(scope, runId, now, new HistoryEvent { Type = HistoryEventType.CancelRequested, Timestamp = now });
        }
    }

    /// <summary>Queues an input for a run; the caller holds the run's row lock and knows it is running.</summary>
    private static void InsertInbox(PostgresScope scope, string runId, DateTimeOffset visibleAt, HistoryEvent e)
    {
        scope.Defer("""
            WITH i AS (INSERT INTO inbox (run_id, visible_at, type, seq, body) VALUES (@r, @v, @t, @s, @b))
            UPDATE executions SET due_at = LEAST(due_at, @v) WHERE run_id = @r
            """,
            ("r", runId), ("v", visibleAt.ToUnixTimeMilliseconds()), ("t", (int)e.Type), ("s", e.Sequence), ("b", DurableJson.SerializeEvent(e)));
        // Timers due later are found through GetNextDueTimeAsync; waking the workers early costs one empty claim.
        scope.WorkAvailable = true;
    }

    private static void AddChange(PostgresScope scope, string workflowId, string runId, string type, WorkflowChangeKind kind, WorkflowStatus status, string? customStatus, DateTimeOffset at)
    {
        scope.PendingChanges.Add((workflowId, runId, type, (int)kind, (int)status, customStatus, at.ToUnixTimeMilliseconds()));
        scope.Changed = true;
    }

    /// <summary>Writes the changes this transaction collected, in one statement.</summary>
    private static void DeferChanges(PostgresScope scope)
    {
        var changes = scope.PendingChanges;
        if (changes.Count == 0)
        {
            return;
        }
        scope.Defer("""
            INSERT INTO changes (workflow_id, run_id, type, kind, status, custom_status, at)
            SELECT * FROM unnest(@w, @r, @t, @k, @s, @cs, @at)
            """,
            ("w", changes.Select(c => c.WorkflowId).ToArray()), ("r", changes.Select(c => c.RunId).ToArray()), ("t", changes.Select(c => c.Type).ToArray()),
            ("k", changes.Select(c => c.Kind).ToArray()), ("s", changes.Select(c => c.Status).ToArray()),
            ("cs", changes.Select(c => c.CustomStatus).ToArray()), ("at", changes.Select(c => c.At).ToArray()));
        changes.Clear();
    }

    private static async Task<bool> HasUnseenSignalsAsync(PostgresScope scope, ActivationCommit c) =>
        await scope.ScalarAsync("SELECT 1 FROM inbox WHERE run_id = @r AND type = @t AND NOT (id = ANY(@seen)) LIMIT 1",
            ("r", c.RunId), ("t", (int)HistoryEventType.SignalReceived), ("seen", c.ConsumedInbox.ToArray())) is not null;

    /// <summary>A claim this host holds, until the worker is done with it (settled: its commit already ended the lease).</summary>
    private sealed class HeldRun(long leaseSeq, long claimNumber)
    {
        public long LeaseSeq { get; } = leaseSeq;

        public long ClaimNumber { get; } = claimNumber;

        public volatile bool Settled;
    }
}
