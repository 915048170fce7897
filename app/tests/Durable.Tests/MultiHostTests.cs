using Durable.Hosting;
using Durable.Storage;
using Durable.Testing;
using Durable.Tests.Workflows;
using Npgsql;
using TestSupport.Postgres;

namespace Durable.Tests;

/// <summary>
/// Several engines (hosts) in this process on one PostgreSQL database: the work is split, a signal or a change
/// made through one host reaches the others at once (LISTEN/NOTIFY, their polls set to minutes so nothing else
/// could), a commit on stale history is refused, and hosts starting together migrate the schema once.
/// </summary>
public sealed class MultiHostTests
{
    /// <summary>Long enough that only a notification can explain a prompt reaction.</summary>
    private static readonly TimeSpan NoPolling = TimeSpan.FromMinutes(5);

    private static async Task<Action<DurableOptions>> SharedDatabaseAsync() => (await TestEnvironment.StoreOptionsAsync(StoreKind.Postgres))!;

    [Fact]
    public async Task TwoHosts_ManyWorkflows_WorkSplitAndEachStepOnce()
    {
        const int count = 40;
        var database = await SharedDatabaseAsync();
        var (logA, logB) = (new AttemptLog(), new AttemptLog());
        var gate = new ActivityGate();
        gate.Open();
        await using var a = await TestEnvironment.StartOnAsync(database, b => b.AddWorkflow<ThreeChargesWorkflow>(), logA, gate, timeSkipping: false);
        await using var b = await TestEnvironment.StartOnAsync(database, b => b.AddWorkflow<ThreeChargesWorkflow>(), logB, gate, timeSkipping: false);

        for (var i = 0; i < count; i++)
        {
            await (i % 2 == 0 ? a : b).Client.StartAsync<ThreeChargesWorkflow, string, string>($"split-{i}", $"o{i}");
        }
        for (var i = 0; i < count; i++)
        {
            Assert.Equal($"charged o{i}-a, charged o{i}-b, charged o{i}-c", await Wait.ForResultAsync<string>(i % 2 == 0 ? b : a, $"split-{i}"));
        }

        Assert.NotEmpty(logA.Effects);
        Assert.NotEmpty(logB.Effects);
        // Each charge ran on one host, once.
        Assert.Empty(logA.Effects.Keys.Intersect(logB.Effects.Keys));
        Assert.Equal(3 * count, logA.Effects.Count + logB.Effects.Count);
        Assert.All(logA.Effects.Concat(logB.Effects), e => Assert.Equal(1, e.Value));
    }

    [Fact]
    public async Task SignalAsync_ThroughHostB_WakesWorkflowCachedOnHostA()
    {
        var database = await SharedDatabaseAsync();
        await using var a = await TestEnvironment.StartOnAsync(database, b => b.AddWorkflow<SignalCollectorWorkflow>(), timeSkipping: false,
            options: o => o.PollInterval = NoPolling);
        await using var b = await TestEnvironment.StartOnAsync(database, b => b.AddWorkflow<SignalCollectorWorkflow>(), timeSkipping: false,
            options: o => o.WorkerEnabled = false);

        await b.Client.StartAsync<SignalCollectorWorkflow, SignalCollectRequest, List<string>>("cross-signal", new SignalCollectRequest("note", 2));
        // Host A ran the first activation (woken by B's start) and keeps the workflow in its cache.
        await Wait.UntilAsync(a, () => Task.FromResult(a.Worker.CachedWorkflows), n => n == 1, "host A to cache the workflow");
        await b.Client.SignalAsync("cross-signal", "note", "one");
        await Wait.ForEventAsync(a, "cross-signal", HistoryEventType.SignalReceived);
        // Still (or again) cached on A: the worker puts the workflow back a moment after its commit, which the store shows first.
        await Wait.UntilAsync(a, () => Task.FromResult(a.Worker.CachedWorkflows), n => n == 1, "host A to keep the workflow cached");
        await b.Client.SignalAsync("cross-signal", "note", "two");

        Assert.Equal(["one", "two"], await Wait.ForResultAsync<List<string>>(b, "cross-signal"));
        var history = await Wait.ReplaysAsync<SignalCollectorWorkflow>(a, "cross-signal");
        Assert.Equal(2, history.OfType(HistoryEventType.SignalReceived).Count);
    }

    [Fact]
    public async Task WatchAsync_OnHostA_SeesChangesMadeOnHostB()
    {
        var database = await SharedDatabaseAsync();
        await using var a = await TestEnvironment.StartOnAsync(database, b => b.AddWorkflow<EchoWorkflow>(), timeSkipping: false,
            options: o => { o.WorkerEnabled = false; o.PollInterval = NoPolling; });
        await using var b = await TestEnvironment.StartOnAsync(database, b => b.AddWorkflow<EchoWorkflow>(), timeSkipping: false);
        using var timeout = new CancellationTokenSource(Wait.HangGuard);
        var position = await a.Store.GetLastChangeSequenceAsync(CancellationToken.None);
        var seen = new List<WorkflowChange>();
        var watch = Task.Run(async () =>
        {
            await foreach (var change in a.Client.WatchAsync(position, timeout.Token))
            {
                seen.Add(change);
                if (change.WorkflowId == "watched" && change.Kind == WorkflowChangeKind.Closed)
                {
                    return;
                }
            }
        });

        await b.Client.StartAsync<EchoWorkflow, string, string>("watched", "hi");

        await watch.WaitAsync(timeout.Token);
        Assert.Equal([WorkflowChangeKind.Started, WorkflowChangeKind.Closed], seen.Where(c => c.WorkflowId == "watched").Select(c => c.Kind));
        Assert.Equal(seen.Select(c => c.Sequence).Order(), seen.Select(c => c.Sequence));
    }

    [Fact]
    public async Task Worker_PostgresRestartedMidWork_ReconnectsAndCompletesEverything()
    {
        // Its own server: restarting the shared one would disturb the other tests.
        await using var server = await PostgresServer.StartAsync();
        var connectionString = await server.CreateDatabaseAsync();
        var log = new AttemptLog();
        var gate = new ActivityGate();
        using var opener = gate.OpenOnExit();
        await using var env = await TestEnvironment.StartOnAsync(o =>
            {
                o.Store = DurableStoreKind.Postgres;
                o.ConnectionString = connectionString;
                o.LeaseDuration = TimeSpan.FromSeconds(2);
            }, b => b.AddWorkflow<ThreeChargesWorkflow>(), log, gate, timeSkipping: false);
        for (var i = 0; i < 20; i++)
        {
            await env.Client.StartAsync<ThreeChargesWorkflow, string, string>($"before-{i}", $"b{i}");
        }
        // Every workflow is in its second charge, held at the gate, when the server goes down: their results land after it is back.
        await Wait.UntilAsync(env, () => Task.FromResult(gate.Entries), n => n == 20, "20 charges at the gate");

        await server.RestartAsync();
        gate.Open();
        for (var i = 0; i < 20; i++)
        {
            await env.Client.StartAsync<ThreeChargesWorkflow, string, string>($"after-{i}", $"a{i}");
        }

        for (var i = 0; i < 20; i++)
        {
            Assert.Equal($"charged b{i}-a, charged b{i}-b, charged b{i}-c", await Wait.ForResultAsync<string>(env, $"before-{i}"));
            Assert.Equal($"charged a{i}-a, charged a{i}-b, charged a{i}-c", await Wait.ForResultAsync<string>(env, $"after-{i}"));
        }
        Assert.Equal(120, log.Effects.Count);
    }

    [Fact]
    public async Task ClaimWorkflowTasksAsync_LeasedByHostA_SkippedByHostBAndStaleCommitFromARefused()
    {
        var connectionString = await TestEnvironment.NewDatabaseAsync();
        await using var a = new PostgresWorkflowStore(connectionString, TimeSpan.FromMinutes(1));
        await using var b = new PostgresWorkflowStore(connectionString, TimeSpan.FromMinutes(1));
        await a.InitializeAsync(CancellationToken.None);
        await b.InitializeAsync(CancellationToken.None);
        var now = DateTimeOffset.UtcNow;
        await a.StartWorkflowAsync(new NewWorkflow("leased", "run-1", "Any", null, now, now, null, WorkflowIdReusePolicy.AllowDuplicate, WorkflowIdConflictPolicy.Fail),
            CancellationToken.None);

        var claimedByA = Assert.Single(await a.ClaimWorkflowTasksAsync(10, now, CancellationToken.None));
        Assert.Empty(await b.ClaimWorkflowTasksAsync(10, now, CancellationToken.None));
        await a.CommitActivationAsync(TestCommits.Consuming(claimedByA, now), CancellationToken.None);
        a.ReleaseWorkflowTask("run-1", retry: false);

        // The run moves on through host B while host A still holds the state of its first activation.
        Assert.True(await b.SignalAsync("leased", new HistoryEvent { Type = HistoryEventType.SignalReceived, Name = "go", Timestamp = now }, CancellationToken.None));
        var claimedByB = Assert.Single(await b.ClaimWorkflowTasksAsync(10, now.AddSeconds(1), CancellationToken.None));
        Assert.Equal(claimedByA.NextEventId + 2, claimedByB.NextEventId);
        await b.CommitActivationAsync(TestCommits.Consuming(claimedByB, now), CancellationToken.None);
        b.ReleaseWorkflowTask("run-1", retry: false);

        await Assert.ThrowsAsync<StaleHistoryException>(() => a.CommitActivationAsync(TestCommits.Consuming(claimedByA, now), CancellationToken.None));
        var history = await a.LoadHistoryAsync("run-1", CancellationToken.None);
        Assert.Equal([1L, 2, 3, 4], history.Select(e => e.EventId));
    }

    [Fact]
    public async Task ClaimWorkflowTasksSql_StatisticsOlderThanABurstOfDueRuns_WalksTheDueIndexInOrder()
    {
        var connectionString = await TestEnvironment.NewDatabaseAsync();
        await using (var store = new PostgresWorkflowStore(connectionString, TimeSpan.FromMinutes(1)))
        {
            await store.InitializeAsync(CancellationToken.None);
        }
        // Statistics of a quiet database (2,000 closed runs, 10 running), kept (no autovacuum) while 5,000 runs fall due, in no
        // particular order on disk: with PostgreSQL's default plan settings this claim reads and sorts all 5,000.
        var claims = new NpgsqlConnectionStringBuilder(connectionString) { Options = PostgresWorkflowStore.ClaimSessionOptions };
        await using var connection = new NpgsqlConnection(claims.ConnectionString);
        await connection.OpenAsync();
        await using (var setup = new NpgsqlCommand("""
            ALTER TABLE executions SET (autovacuum_enabled = false);
            INSERT INTO executions (run_id, workflow_id, is_latest, type, status, created_at, updated_at, next_event_id)
            SELECT 'closed-' || n, 'closed-' || n, true, 'Any', 1, n, n, 5 FROM generate_series(1, 2000) n;
            INSERT INTO executions (run_id, workflow_id, is_latest, type, status, created_at, updated_at, next_event_id, due_at)
            SELECT 'quiet-' || n, 'quiet-' || n, true, 'Any', 0, n, n, 2, (n * 7) % 10 FROM generate_series(1, 10) n;
            ANALYZE executions;
            INSERT INTO executions (run_id, workflow_id, is_latest, type, status, created_at, updated_at, next_event_id, due_at)
            SELECT 'burst-' || n, 'burst-' || n, true, 'Any', 0, n, n, 1, 100 + (n * 7919) % 5000 FROM generate_series(1, 5000) n;
            """, connection))
        {
            await setup.ExecuteNonQueryAsync();
        }

        await using var explain = new NpgsqlCommand("EXPLAIN " + PostgresWorkflowStore.ClaimWorkflowTasksSql, connection);
        explain.Parameters.AddWithValue("now", 10_000L);
        explain.Parameters.AddWithValue("max", 64);
        explain.Parameters.AddWithValue("o", "host");
        explain.Parameters.AddWithValue("lease", TimeSpan.FromSeconds(30));
        explain.Parameters.AddWithValue("held", Array.Empty<string>());
        var plan = new List<string>();
        await using (var reader = await explain.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                plan.Add(reader.GetString(0));
            }
        }

        Assert.Contains(plan, line => line.Contains("Index Scan using ix_executions_due on executions", StringComparison.Ordinal));
        Assert.DoesNotContain(plan, line => line.Contains("Sort Key: executions.due_at", StringComparison.Ordinal));
    }

    [Fact]
    public async Task InitializeAsync_FourHostsAtOnceOnAFreshDatabase_MigratesOnce()
    {
        var connectionString = await TestEnvironment.NewDatabaseAsync();
        var stores = Enumerable.Range(0, 4).Select(_ => new PostgresWorkflowStore(connectionString, TimeSpan.FromSeconds(5))).ToList();
        try
        {
            await Task.WhenAll(stores.Select(s => s.InitializeAsync(CancellationToken.None)));
            var now = DateTimeOffset.UtcNow;
            for (var i = 0; i < stores.Count; i++)
            {
                var started = await stores[i].StartWorkflowAsync(new NewWorkflow($"m-{i}", $"run-{i}", "Any", null, now, now, null,
                    WorkflowIdReusePolicy.AllowDuplicate, WorkflowIdConflictPolicy.Fail), CancellationToken.None);
                Assert.True(started.Started);
            }
        }
        finally
        {
            foreach (var store in stores)
            {
                await store.DisposeAsync();
            }
        }

        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT version FROM schema_version", connection);
        var versions = new List<int>();
        await using var reader = await cmd.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            versions.Add(reader.GetInt32(0));
        }
        Assert.Equal(Enumerable.Range(1, PostgresWorkflowStore.SchemaVersion), versions);
    }
}

