using System.Diagnostics;
using Durable.Client;
using Durable.CrashHost;
using Durable.Hosting;
using Durable.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace Durable.Tests;

/// <summary>
/// kill -9 a real host process in the middle of 200 workflows, restart it on the same store, and check
/// that workflow steps happened exactly once and activity effects (through idempotency keys) too.
/// </summary>
public abstract class CrashRecoveryTests(StoreKind store, ITestOutputHelper output) : StoreTests(store), IAsyncLifetime
{
    protected const int Workflows = 200;
    private const int KillAfterCompleted = 20;
    // A hang guard only (CI runs test projects side by side on two cores): nothing asserts how long a step took.
    protected static readonly TimeSpan Deadline = TimeSpan.FromSeconds(120);

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "durable-crash-tests", Guid.NewGuid().ToString("N"));
    private string? _connectionString;
    private string StorePath => Path.Combine(_directory, "durable.db");
    protected string LedgerPath => Path.Combine(_directory, "ledger.db");
    protected ITestOutputHelper Output => output;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_directory);
        if (Store == StoreKind.Postgres)
        {
            _connectionString = await TestEnvironment.NewDatabaseAsync();
        }
    }

    /// <summary>A host process on this test's store (the SQLite file, or the PostgreSQL database several hosts can share).</summary>
    private protected CrashHostProcess StartHost(int start, int killAfterStarts = 0) =>
        CrashHostProcess.Start(StorePath, LedgerPath, start, killAfterStarts, _connectionString);

    [Fact]
    public async Task Restart_AfterKillMidWorkTwice_CompletesAllWithStepsAndEffectsExactlyOnce()
    {
        var elapsed = Stopwatch.StartNew();

        int firstKill;
        await using (var host = StartHost(Workflows))
        {
            await host.WaitForLineAsync(l => l.StartsWith("READY", StringComparison.Ordinal), Deadline, "READY");
            await host.WaitForCompletedAsync(c => c >= KillAfterCompleted, Deadline, $"{KillAfterCompleted} completed");
            await host.KillAsync(Deadline);
            firstKill = await CountCompletedAsync();
        }
        Assert.InRange(firstKill, KillAfterCompleted, Workflows - 1);

        // The second crash comes right after recovery has made some progress.
        int secondKill;
        await using (var host = StartHost(Workflows))
        {
            await host.WaitForCompletedAsync(c => c > firstKill, Deadline, $"progress beyond {firstKill}");
            await host.KillAsync(Deadline);
            secondKill = await CountCompletedAsync();
        }
        // Aimed from outside at a host that is catching up (on PostgreSQL it first waits for the killed host's leases, then
        // takes over a batch at once), the kill can land after the last workflow finished on a loaded machine: then the
        // first kill alone was mid-work, and the checks below still hold.
        Assert.InRange(secondKill, firstKill + 1, Workflows);

        await RecoverAsync();
        elapsed.Stop();

        var ledger = await AssertExactlyOnceAsync();
        output.WriteLine($"completed at 1st kill: {firstKill}, at 2nd kill: {secondKill}, total {Workflows}");
        output.WriteLine($"ledger: {ledger.Attempts} attempts, {ledger.Effects} effects, {ledger.Attempts - ledger.Effects} re-executed because of the kills " +
            $"({ledger.KeysReExecuted} keys); {ledger.Retries} attempts were retries");
        output.WriteLine($"total time {elapsed.Elapsed.TotalSeconds:F1} s");
    }

    [Fact]
    public async Task Restart_AfterKillsBeforeReady_CompletesAllWithNothingHalfCreated()
    {
        // First kill: as the host begins to start workflows, its store just created.
        await using (var host = StartHost(Workflows))
        {
            await host.WaitForLineAsync(l => l.StartsWith("STARTING", StringComparison.Ordinal), Deadline, "STARTING");
            await host.KillAsync(Deadline);
            // Aimed from outside, this kill can land after the last start on a fast machine; the second kill below is exact.
            output.WriteLine(host.SawReady ? "1st kill landed after READY" : "1st kill landed before READY");
        }
        var first = await InspectCreatedAsync();

        // Second kill: in the middle of the starts. Starts take about a millisecond each, too short to aim at
        // from outside, so the host kills itself (SIGKILL) right after its 40th start is acknowledged.
        const int killAfterStarts = 40;
        await using (var host = StartHost(Workflows, killAfterStarts))
        {
            var exitCode = await host.WaitForExitAsync(Deadline);
            Assert.False(host.SawReady);
            if (!OperatingSystem.IsWindows())
            {
                Assert.True(exitCode == 128 + 9, $"The host should have died of SIGKILL; it exited with {exitCode}.{Environment.NewLine}{host.Tail()}");
            }
        }
        var second = await InspectCreatedAsync();
        // Every acknowledged start survived, and nothing else was created.
        Assert.Equal(Math.Max(killAfterStarts, first.Created), second.Created);

        await RecoverAsync();

        var ledger = await AssertExactlyOnceAsync();
        output.WriteLine($"created before the 1st kill: {first.Created} ({first.Completed} completed); before the 2nd: {second.Created} ({second.Completed} completed)");
        output.WriteLine($"ledger: {ledger.Attempts} attempts, {ledger.Effects} effects, {ledger.Attempts - ledger.Effects} re-executed");
    }

    public Task DisposeAsync()
    {
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is harmless.
        }
        return Task.CompletedTask;
    }

    /// <summary>Restarts the host on the same files (starting again is harmless) and lets it finish everything, then stops it cleanly.</summary>
    protected async Task RecoverAsync()
    {
        await using var host = StartHost(Workflows);
        await host.WaitForCompletedAsync(c => c == Workflows, Deadline, $"all {Workflows} completed");
        var exitCode = await host.StopAsync(Deadline);
        Assert.True(exitCode == 0, $"The host exited with {exitCode} on a graceful stop.{Environment.NewLine}{host.Tail()}");
        var problems = host.Log.Where(l => l.StartsWith("fail:", StringComparison.Ordinal) || l.StartsWith("crit:", StringComparison.Ordinal)).ToList();
        Assert.True(problems.Count == 0, host.Tail());
    }

    /// <summary>How many workflows exist and have completed; each one that exists is whole: a run with its start, never a bare row.</summary>
    private Task<(int Created, int Completed)> InspectCreatedAsync() =>
        WithClientAsync(async client =>
        {
            var runs = await ListRunsAsync(client);
            Assert.Equal(runs.Count, runs.Select(r => r.WorkflowId).Distinct().Count());
            foreach (var run in runs)
            {
                var description = await client.DescribeAsync(run.WorkflowId);
                Assert.NotNull(description);
                Assert.Contains(description.Status, new[] { WorkflowStatus.Running, WorkflowStatus.Completed });
                var history = await client.GetHistoryAsync(run.WorkflowId);
                if (history.Count > 0)
                {
                    Assert.Equal(HistoryEventType.WorkflowStarted, history.First(e => e.Type != HistoryEventType.ActivationStarted).Type);
                }
            }
            return (runs.Count, runs.Count(r => r.Status == WorkflowStatus.Completed));
        });

    protected Task<int> CountCompletedAsync() =>
        WithClientAsync(async client => (await ListRunsAsync(client)).Count(r => r.Status == WorkflowStatus.Completed));

    /// <summary>
    /// Every workflow completed with the expected result; each one's history holds each activity
    /// scheduled and completed once and each timer started and fired once; the ledger holds each
    /// effect once although some attempts ran more than once.
    /// </summary>
    protected async Task<LedgerCounts> AssertExactlyOnceAsync()
    {
        var runIds = await WithClientAsync(async client =>
        {
            var runs = await ListRunsAsync(client);
            Assert.Equal(Workflows, runs.Count);
            Assert.All(runs, r => Assert.Equal(WorkflowStatus.Completed, r.Status));
            Assert.Equal(Enumerable.Range(0, Workflows).Select(i => $"{CrashDriver.IdPrefix}{i}").Order(), runs.Select(r => r.WorkflowId).Order());
            var ids = new Dictionary<string, string>();
            foreach (var run in runs)
            {
                ids[run.WorkflowId] = run.RunId;
                Assert.Equal(new CrashSummary(CrashWorkflow.Steps, CrashWorkflow.Timers, 15), await client.GetResultAsync<CrashSummary>(run.WorkflowId));
                AssertStepsExactlyOnce(run.WorkflowId, await client.GetHistoryAsync(run.WorkflowId));
            }
            return ids;
        });

        await using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = LedgerPath, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        await connection.OpenAsync();
        var effectsPerWorkflow = await QueryAsync(connection, "SELECT workflow_id, run_id, COUNT(*), COUNT(DISTINCT seq) FROM effects GROUP BY workflow_id, run_id",
            r => (WorkflowId: r.GetString(0), RunId: r.GetString(1), Count: r.GetInt32(2), DistinctSeq: r.GetInt32(3)));
        Assert.Equal(Workflows, effectsPerWorkflow.Count);
        Assert.All(effectsPerWorkflow, e =>
        {
            Assert.Equal(runIds[e.WorkflowId], e.RunId);
            Assert.Equal(CrashWorkflow.Steps, e.Count);
            Assert.Equal(CrashWorkflow.Steps, e.DistinctSeq);
        });
        var orphanAttempts = (await QueryAsync(connection, "SELECT COUNT(*) FROM attempts WHERE idempotency_key NOT IN (SELECT idempotency_key FROM effects)", r => r.GetInt64(0)))[0];
        Assert.Equal(0, orphanAttempts);
        var counts = (await QueryAsync(connection, """
            SELECT (SELECT COUNT(*) FROM attempts), (SELECT COUNT(*) FROM effects),
                   (SELECT COUNT(*) FROM (SELECT idempotency_key FROM attempts GROUP BY idempotency_key HAVING COUNT(*) > 1)),
                   (SELECT COUNT(*) FROM attempts WHERE attempt > 1)
            """, r => new LedgerCounts(r.GetInt64(0), r.GetInt64(1), r.GetInt64(2), r.GetInt64(3))))[0];
        Assert.Equal(Workflows * CrashWorkflow.Steps, counts.Effects);
        Assert.True(counts.Attempts >= counts.Effects);
        return counts;
    }

    private static void AssertStepsExactlyOnce(string workflowId, IReadOnlyList<HistoryEvent> history)
    {
        Assert.Equal(Enumerable.Range(1, history.Count).Select(i => (long)i), history.Select(e => e.EventId));
        Assert.Single(history, e => e.Type == HistoryEventType.WorkflowStarted);
        Assert.Single(history, e => e.Type == HistoryEventType.WorkflowCompleted);
        Assert.Equal(HistoryEventType.WorkflowCompleted, history[^1].Type);
        Assert.DoesNotContain(history, e => e.Type == HistoryEventType.ActivityFailed);

        int[] Sequences(HistoryEventType type) => history.Where(e => e.Type == type).Select(e => e.Sequence).Order().ToArray();
        var scheduled = Sequences(HistoryEventType.ActivityScheduled);
        var timers = Sequences(HistoryEventType.TimerStarted);
        Assert.True(scheduled.Length == CrashWorkflow.Steps && scheduled.Distinct().Count() == scheduled.Length,
            $"{workflowId}: activities scheduled {string.Join(", ", scheduled)}");
        Assert.Equal(scheduled, Sequences(HistoryEventType.ActivityCompleted));
        Assert.True(timers.Length == CrashWorkflow.Timers && timers.Distinct().Count() == timers.Length, $"{workflowId}: timers started {string.Join(", ", timers)}");
        Assert.Equal(timers, Sequences(HistoryEventType.TimerFired));
    }

    /// <summary>
    /// Opens the store in this process (for SQLite that only works while no host holds it: one SQLite store,
    /// one owning process), and closes it again so the next host can take it.
    /// </summary>
    private async Task<T> WithClientAsync<T>(Func<DurableClient, Task<T>> read)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddDurable(o =>
        {
            o.StorePath = StorePath;
            o.WorkerEnabled = false;
            if (_connectionString is not null)
            {
                o.Store = DurableStoreKind.Postgres;
                o.ConnectionString = _connectionString;
            }
        });
        await using var provider = services.BuildServiceProvider();
        return await read(provider.GetRequiredService<DurableClient>());
    }

    private static async Task<IReadOnlyList<WorkflowSummary>> ListRunsAsync(DurableClient client) =>
        (await client.ListAsync(new WorkflowQuery { IdPrefix = CrashDriver.IdPrefix, PageSize = 1000 })).Items;

    protected static async Task<List<T>> QueryAsync<T>(SqliteConnection connection, string sql, Func<SqliteDataReader, T> map)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<T>();
        while (await reader.ReadAsync())
        {
            rows.Add(map(reader));
        }
        return rows;
    }

    protected sealed record LedgerCounts(long Attempts, long Effects, long KeysReExecuted, long Retries);
}

public sealed class CrashRecoveryTestsOnSqlite(ITestOutputHelper output) : CrashRecoveryTests(StoreKind.Sqlite, output);

/// <summary>The same crashes on PostgreSQL, and several hosts on one database, one of them killed.</summary>
public sealed class CrashRecoveryTestsOnPostgres(ITestOutputHelper output) : CrashRecoveryTests(StoreKind.Postgres, output)
{
    [Fact]
    public async Task TwoHosts_OneKilledMidWork_SurvivorTakesOverAndCompletesAllExactlyOnce()
    {
        await using var survivor = StartHost(start: 0);
        int atKill;
        await using (var victim = StartHost(Workflows))
        {
            await victim.WaitForLineAsync(l => l.StartsWith("READY", StringComparison.Ordinal), Deadline, "READY");
            await survivor.WaitForCompletedAsync(c => c >= 40, Deadline, "40 completed");
            // Killed holding leases on workflow tasks, activities and timers that are due: the survivor takes them over once the leases run out.
            await victim.KillAsync(Deadline);
            atKill = await CountCompletedAsync();
        }
        Assert.InRange(atKill, 40, Workflows - 1);
        await survivor.WaitForCompletedAsync(c => c == Workflows, Deadline, $"all {Workflows} completed by the survivor");
        var exitCode = await survivor.StopAsync(Deadline);
        Assert.True(exitCode == 0, survivor.Tail());

        var ledger = await AssertExactlyOnceAsync();
        await using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = LedgerPath, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        await connection.OpenAsync();
        var effectsByHost = await QueryAsync(connection, "SELECT pid, COUNT(*) FROM attempts GROUP BY pid", r => (Pid: r.GetInt64(0), Attempts: r.GetInt64(1)));
        // The work was split: both hosts ran activities.
        Assert.Equal(2, effectsByHost.Count);
        Output.WriteLine($"completed when the victim was killed: {atKill}; attempts per host: {string.Join(", ", effectsByHost.Select(h => $"{h.Pid}: {h.Attempts}"))}");
        Output.WriteLine($"ledger: {ledger.Attempts} attempts, {ledger.Effects} effects, {ledger.Attempts - ledger.Effects} re-executed because of the kill");
    }
}
