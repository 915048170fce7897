using Durable.Storage;
using Npgsql;

namespace Durable.Tests;

/// <summary>
/// Eager activity dispatch at the store: the commit that schedules activities leases the first ones to the committing
/// host. Leased, they are claimable by no one (not even that host) until completed, handed back or their lease runs
/// out; the rest are queued as before; nothing leased is lost when the host goes away.
/// (A host SIGKILLed with such leases is covered by CrashRecoveryTestsOnPostgres.TwoHosts_OneKilledMidWork_SurvivorTakesOverAndCompletesAllExactlyOnce.)
/// </summary>
public sealed class EagerDispatchTests
{
    [Fact]
    public async Task CommitActivationAsync_PostgresLeasesFirstActivityToCommitter_OtherHostTakesItOnlyWhenHandedBack()
    {
        var connectionString = await TestEnvironment.NewDatabaseAsync();
        var a = new PostgresWorkflowStore(connectionString, TimeSpan.FromMinutes(1));
        await using var b = new PostgresWorkflowStore(connectionString, TimeSpan.FromMinutes(1));
        IReadOnlyList<ActivityTask> leased;
        var now = DateTimeOffset.UtcNow;
        try
        {
            await a.InitializeAsync(CancellationToken.None);
            await b.InitializeAsync(CancellationToken.None);
            leased = await StartAndScheduleTwoAsync(a, now);

            var task = Assert.Single(leased);
            Assert.Equal((1, "charge", "\"first\"", 1), (task.Sequence, task.Name, task.Input, task.Attempt));
            // The second activity is queued: either host may claim it; the leased one is claimable by neither.
            var queued = Assert.Single(await b.ClaimActivityTasksAsync(10, now.AddSeconds(1), CancellationToken.None));
            Assert.Equal(2, queued.Sequence);
            Assert.Empty(await a.ClaimActivityTasksAsync(10, now.AddSeconds(1), CancellationToken.None));
            Assert.Equal(a.OwnerId, await LeaseOwnerAsync(connectionString, task.Id));
        }
        finally
        {
            // Host A goes away with the activity leased and not run: it hands the lease back.
            await a.DisposeAsync();
        }

        var takenOver = Assert.Single(await b.ClaimActivityTasksAsync(10, now.AddSeconds(2), CancellationToken.None));
        Assert.Equal((leased[0].Id, 1), (takenOver.Id, takenOver.Attempt));
        await b.CompleteActivityAsync(takenOver, new HistoryEvent { Type = HistoryEventType.ActivityCompleted, Sequence = 1, Timestamp = now.AddSeconds(2) },
            CancellationToken.None);
        var next = Assert.Single(await b.ClaimWorkflowTasksAsync(10, now.AddSeconds(3), CancellationToken.None));
        Assert.Equal(HistoryEventType.ActivityCompleted, Assert.Single(next.Inbox).Event.Type);
    }

    [Fact]
    public async Task CommitActivationAsync_SqliteLeasedActivityNotRun_ClaimableAgainAfterRestart()
    {
        using var folder = new TemporaryStoreFolder("eager-");
        var path = folder.StorePath;
        var now = DateTimeOffset.UtcNow;
        long leasedId;
        await using (var store = new SqliteWorkflowStore(path))
        {
            await store.InitializeAsync(CancellationToken.None);
            var task = Assert.Single(await StartAndScheduleTwoAsync(store, now));
            leasedId = task.Id;
            var queued = Assert.Single(await store.ClaimActivityTasksAsync(10, now.AddSeconds(1), CancellationToken.None));
            Assert.Equal(2, queued.Sequence);
            // Leased to the committer: no claim hands it out a second time.
            Assert.Empty(await store.ClaimActivityTasksAsync(10, now.AddSeconds(1), CancellationToken.None));
        }

        // The process ends before the activity ran: its row is still there, due, and the next start finds it.
        await using (var store = new SqliteWorkflowStore(path))
        {
            await store.InitializeAsync(CancellationToken.None);
            var claimed = await store.ClaimActivityTasksAsync(10, now.AddSeconds(2), CancellationToken.None);
            Assert.Contains(claimed, t => t.Id == leasedId && t.Attempt == 1);
        }
    }

    /// <summary>Starts a run and commits its first activation, which schedules two activities and leases one to the committer.</summary>
    private static async Task<IReadOnlyList<ActivityTask>> StartAndScheduleTwoAsync(IWorkflowStore store, DateTimeOffset now)
    {
        await store.StartWorkflowAsync(new NewWorkflow("eager", "run-1", "Any", null, now, now, null, WorkflowIdReusePolicy.AllowDuplicate, WorkflowIdConflictPolicy.Fail),
            CancellationToken.None);
        var claimed = Assert.Single(await store.ClaimWorkflowTasksAsync(10, now, CancellationToken.None));
        var leased = await store.CommitActivationAsync(
            TestCommits.Consuming(claimed, now, Charge(1, "\"first\""), Charge(2, "\"second\"")) with { LeaseActivities = 1 }, CancellationToken.None);
        store.ReleaseWorkflowTask(claimed.RunId, retry: false);
        return leased;

        HistoryEvent Charge(int seq, string input) =>
            new() { Type = HistoryEventType.ActivityScheduled, Sequence = seq, Name = "charge", Payload = input, Timestamp = now };
    }

    private static async Task<string?> LeaseOwnerAsync(string connectionString, long activityId)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT lease_owner FROM activity_tasks WHERE id = @id", connection);
        cmd.Parameters.AddWithValue("id", activityId);
        return await cmd.ExecuteScalarAsync() as string;
    }
}
