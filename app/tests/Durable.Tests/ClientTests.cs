using Durable.Storage;
using Durable.Testing;
using Durable.Tests.Workflows;

namespace Durable.Tests;

public abstract class ClientTests(StoreKind store) : StoreTests(store)
{
    private Task<DurableTestEnvironment> StartAsync(bool timeSkipping = true) => TestEnvironment.StartAsync(Store, 
        b => b.AddWorkflow<QuickWorkflow>().AddWorkflow<StatusWorkflow>().AddWorkflow<PendingWorkWorkflow>().AddWorkflow<AwaitSignalWorkflow>(),
        timeSkipping: timeSkipping);

    // ---- id reuse and conflict policies ----

    [Fact]
    public async Task StartAsync_IdAlreadyRunning_ReturnsRunningRunByDefault()
    {
        await using var env = await StartAsync();

        var first = await env.Client.StartAsync<QuickWorkflow, string, string>("dup-1", QuickMode.Wait);
        var second = await env.Client.StartAsync<QuickWorkflow, string, string>("dup-1", QuickMode.Wait);

        Assert.True(first.Started);
        Assert.False(second.Started);
        Assert.Equal(first.RunId, second.RunId);
        Assert.Equal(WorkflowStatus.Running, second.Status);
        var history = await Wait.ForEventAsync(env, "dup-1", HistoryEventType.WorkflowStarted);
        Assert.Single(history.OfType(HistoryEventType.WorkflowStarted));
    }

    [Fact]
    public async Task StartAsync_IdAlreadyRunningWithFailConflictPolicy_ThrowsWorkflowAlreadyStartedException()
    {
        await using var env = await StartAsync();
        var first = await env.Client.StartAsync<QuickWorkflow, string, string>("dup-2", QuickMode.Wait);

        var ex = await Assert.ThrowsAsync<WorkflowAlreadyStartedException>(() => env.Client.StartAsync<QuickWorkflow, string, string>(
            "dup-2", QuickMode.Wait, new StartWorkflowOptions { IdConflictPolicy = WorkflowIdConflictPolicy.Fail }));

        Assert.Equal(first.RunId, ex.RunId);
        Assert.Single((await env.Client.ListAsync(new WorkflowQuery { IdPrefix = "dup-2" })).Items);
    }

    [Fact]
    public async Task StartAsync_ClosedRunWithDefaultReusePolicy_ReturnsClosedRunWithoutStarting()
    {
        await using var env = await StartAsync();
        var first = await env.Client.StartAsync<QuickWorkflow, string, string>("reuse-1", "once");
        await Wait.ForResultAsync<string>(env, "reuse-1");

        var again = await env.Client.StartAsync<QuickWorkflow, string, string>("reuse-1", "twice");

        Assert.False(again.Started);
        Assert.Equal(first.RunId, again.RunId);
        Assert.Equal(WorkflowStatus.Completed, again.Status);
        Assert.Equal("once", await Wait.ForResultAsync<string>(env, "reuse-1"));
        Assert.Single((await env.Client.ListAsync(new WorkflowQuery { IdPrefix = "reuse-1" })).Items);
    }

    [Fact]
    public async Task StartAsync_ClosedRunWithAllowDuplicate_StartsNewRun()
    {
        await using var env = await StartAsync();
        var first = await env.Client.StartAsync<QuickWorkflow, string, string>("reuse-2", "once");
        await Wait.ForResultAsync<string>(env, "reuse-2");

        var again = await env.Client.StartAsync<QuickWorkflow, string, string>("reuse-2", "twice",
            new StartWorkflowOptions { IdReusePolicy = WorkflowIdReusePolicy.AllowDuplicate });

        Assert.True(again.Started);
        Assert.NotEqual(first.RunId, again.RunId);
        Assert.Equal("twice", await Wait.ForResultAsync<string>(env, "reuse-2"));
        Assert.Equal(2, (await env.Client.ListAsync(new WorkflowQuery { IdPrefix = "reuse-2" })).Items.Count);
        // Each run keeps its own history.
        Assert.Equal("\"once\"", (await env.Client.GetHistoryAsync("reuse-2", first.RunId)).OfType(HistoryEventType.WorkflowStarted)[0].Payload);
        Assert.Equal("\"twice\"", (await env.Client.GetHistoryAsync("reuse-2")).OfType(HistoryEventType.WorkflowStarted)[0].Payload);
    }

    [Fact]
    public async Task StartAsync_AllowDuplicateFailedOnly_RestartsFailedRunButNotCompletedOne()
    {
        await using var env = await StartAsync();
        var options = new StartWorkflowOptions { IdReusePolicy = WorkflowIdReusePolicy.AllowDuplicateFailedOnly };
        var completed = await env.Client.StartAsync<QuickWorkflow, string, string>("reuse-ok", "fine");
        var failed = await env.Client.StartAsync<QuickWorkflow, string, string>("reuse-failed", QuickMode.Fail);
        await Wait.ForResultAsync<string>(env, "reuse-ok");
        await Assert.ThrowsAsync<WorkflowFailedException>(() => Wait.ForResultAsync<string>(env, "reuse-failed"));

        var notRestarted = await env.Client.StartAsync<QuickWorkflow, string, string>("reuse-ok", "again", options);
        var restarted = await env.Client.StartAsync<QuickWorkflow, string, string>("reuse-failed", "recovered", options);

        Assert.False(notRestarted.Started);
        Assert.Equal(completed.RunId, notRestarted.RunId);
        Assert.True(restarted.Started);
        Assert.NotEqual(failed.RunId, restarted.RunId);
        Assert.Equal("recovered", await Wait.ForResultAsync<string>(env, "reuse-failed"));
        Assert.Equal(WorkflowStatus.Failed, (await env.Client.DescribeAsync("reuse-failed", failed.RunId))!.Status);
    }

    // ---- describe ----

    [Fact]
    public async Task DescribeAsync_RunningWorkflow_ShowsPendingActivityAttemptTimerChildAndBufferedSignals()
    {
        // Real time: the one-hour timer and retry interval stay pending while the test looks.
        await using var env = await StartAsync(timeSkipping: false);
        var handle = await env.Client.StartAsync<PendingWorkWorkflow, string, string>("describe-1", "describe me");
        await Wait.ForDescriptionAsync(env, "describe-1", d => d.PendingActivities.Any(a => a.Attempt == 2), "a second attempt pending");
        await env.Client.SignalAsync("describe-1", "note", "n1");
        await env.Client.SignalAsync("describe-1", "note", "n2");
        await Wait.ForEventAsync(env, "describe-1", HistoryEventType.SignalReceived, count: 2);

        var description = (await env.Client.DescribeAsync("describe-1"))!;

        Assert.Equal(handle.RunId, description.RunId);
        Assert.Equal(nameof(PendingWorkWorkflow), description.Type);
        Assert.Equal(WorkflowStatus.Running, description.Status);
        Assert.Equal("\"describe me\"", description.Input);
        Assert.False(description.IsStuck);
        var activity = Assert.Single(description.PendingActivities);
        Assert.Equal("FlakyActivities.AlwaysFail", activity.Name);
        Assert.Equal(2, activity.Attempt);
        Assert.Contains("describe me (attempt 1)", activity.LastError!.Message, StringComparison.Ordinal);
        Assert.True(activity.NextAttemptAt >= description.CreatedAt + TimeSpan.FromMinutes(59));
        var timer = Assert.Single(description.PendingTimers);
        Assert.True(timer.FireAt >= description.CreatedAt + TimeSpan.FromHours(1));
        var child = Assert.Single(description.Children);
        Assert.Equal(new ChildSummary("describe-1-child", child.RunId, nameof(AwaitSignalWorkflow), WorkflowStatus.Running), child);
        Assert.Equal([new BufferedSignal("note", "\"n1\""), new BufferedSignal("note", "\"n2\"")], description.BufferedSignals);
        var history = await Wait.ReplaysAsync<PendingWorkWorkflow>(env, "describe-1");
        Assert.Equal(history.Count, description.HistoryLength);
        Assert.Empty(history.OfType(HistoryEventType.ActivityFailed));

        Assert.True(await env.Client.TerminateAsync("describe-1", "done looking"));
        Assert.Equal(WorkflowStatus.Terminated, (await env.Client.DescribeAsync("describe-1-child"))!.Status);
        Assert.Empty((await env.Client.DescribeAsync("describe-1"))!.PendingActivities);
    }

    [Fact]
    public async Task DescribeAsync_UnknownWorkflow_ReturnsNull()
    {
        await using var env = await StartAsync();

        Assert.Null(await env.Client.DescribeAsync("nobody"));
        await Assert.ThrowsAsync<WorkflowNotFoundException>(() => env.Client.GetHistoryAsync("nobody"));
    }

    [Fact]
    public async Task GetSummaryAsync_SecondRunOfAnIdWithCustomStatus_ReturnsTheLatestRunAsDescribeShowsIt()
    {
        await using var env = await StartAsync();
        var first = await env.Client.StartAsync<QuickWorkflow, string, string>("summary-1", "once");
        await Wait.ForResultAsync<string>(env, "summary-1");
        var second = await env.Client.StartAsync<StatusWorkflow, int, string>("summary-1", 1,
            new StartWorkflowOptions { IdReusePolicy = WorkflowIdReusePolicy.AllowDuplicate });
        var described = await Wait.ForDescriptionAsync(env, "summary-1", d => d.CustomStatus is not null, "a custom status");

        var summary = await env.Client.GetSummaryAsync("summary-1");

        Assert.NotNull(summary);
        Assert.NotEqual(first.RunId, second.RunId);
        Assert.Equal((second.RunId, nameof(StatusWorkflow), WorkflowStatus.Running, described.CustomStatus, false),
            (summary.RunId, summary.Type, summary.Status, summary.CustomStatus, summary.IsStuck));
        Assert.Null(await env.Client.GetSummaryAsync("nobody"));
    }

    [Fact]
    public async Task GetSummaryAsync_SignalsNoActivationHasTakenIn_CountsThem()
    {
        await using var env = await TestEnvironment.StartAsync(Store, b => b.AddWorkflow<AwaitSignalWorkflow>(), options: o => o.WorkerEnabled = false);
        await env.Client.StartAsync<AwaitSignalWorkflow, string, string>("pending-1", "x");
        await env.Client.SignalAsync("pending-1", "other", "a");
        await env.Client.SignalAsync("pending-1", AwaitSignalWorkflow.Finish, "b");

        var summary = await env.Client.GetSummaryAsync("pending-1");

        Assert.Equal(2, summary!.PendingSignals);
    }

    [Fact]
    public async Task GetSummaryAsync_SignalsTakenInByAnActivation_CountsNeitherTheWaitedForNorTheKept()
    {
        await using var env = await TestEnvironment.StartAsync(Store, b => b.AddWorkflow<CounterWorkflow>());
        await env.Client.StartAsync<CounterWorkflow, CounterState, CounterResult>("pending-2", new CounterState(SignalsPerRun: 10, Target: 100));
        await env.Client.SignalAsync("pending-2", "other", 5);
        await env.Client.SignalAsync("pending-2", CounterWorkflow.Add, 1);
        // "other" arrived first, so the activation that counted the add had taken it in too, kept for a wait that never comes.
        await Wait.ForDescriptionAsync(env, "pending-2", d => d.CustomStatus is { } status && DurableJson.Deserialize<CounterStatus>(status).Total == 1, "the add signal counted");

        var summary = await env.Client.GetSummaryAsync("pending-2");

        Assert.Equal(0, summary!.PendingSignals);
    }

    [Fact]
    public async Task SetStatus_WorkflowAdvances_StatusVisibleInDescribeAndChangeFeed()
    {
        await using var env = await StartAsync();
        using var watch = new CancellationTokenSource(Wait.HangGuard);
        var feed = CollectUntilClosedAsync(env, "status-1", 0, watch.Token);

        await env.Client.StartAsync<StatusWorkflow, int, string>("status-1", 2);
        var created = await Wait.ForDescriptionAsync(env, "status-1", d => d.CustomStatus is not null, "a custom status");
        Assert.Equal(new OrderProgress("created", 0), DurableJson.Deserialize<OrderProgress>(created.CustomStatus));
        await env.Client.SignalAsync<string?>("status-1", StatusWorkflow.Advance, null);
        var stage = await Wait.ForDescriptionAsync(env, "status-1", d => DurableJson.Deserialize<OrderProgress>(d.CustomStatus).Step == 1, "step 1");
        Assert.Equal("stage-1", DurableJson.Deserialize<OrderProgress>(stage.CustomStatus).Stage);
        await env.Client.SignalAsync<string?>("status-1", StatusWorkflow.Advance, null);
        await Wait.ForResultAsync<string>(env, "status-1");
        var changes = await feed;

        Assert.Equal("done", DurableJson.Deserialize<OrderProgress>((await env.Client.DescribeAsync("status-1"))!.CustomStatus).Stage);
        Assert.Equal(
            [WorkflowChangeKind.Started, WorkflowChangeKind.StatusChanged, WorkflowChangeKind.StatusChanged, WorkflowChangeKind.Closed],
            changes.Select(c => c.Kind));
        Assert.Equal([null, "created", "stage-1", "done"], changes.Select(c => c.CustomStatus is null ? null : DurableJson.Deserialize<OrderProgress>(c.CustomStatus).Stage));
        Assert.Equal(WorkflowStatus.Completed, changes[^1].Status);
        Assert.True(changes.Zip(changes.Skip(1)).All(p => p.First.Sequence < p.Second.Sequence));
    }

    // ---- list ----

    [Fact]
    public async Task ListAsync_FilterByTypeStatusAndIdPrefix_ReturnsOnlyMatchingRuns()
    {
        await using var env = await StartAsync();
        await env.Client.StartAsync<QuickWorkflow, string, string>("list-a-1", "ok");
        await env.Client.StartAsync<QuickWorkflow, string, string>("list-a-2", QuickMode.Wait);
        await env.Client.StartAsync<QuickWorkflow, string, string>("list-b-1", QuickMode.Fail);
        await env.Client.StartAsync<AwaitSignalWorkflow, string, string>("other-1", "x");
        await Wait.ForResultAsync<string>(env, "list-a-1");
        await Assert.ThrowsAsync<WorkflowFailedException>(() => Wait.ForResultAsync<string>(env, "list-b-1"));

        static string[] Ids(WorkflowPage page) => [.. page.Items.Select(i => i.WorkflowId).Order(StringComparer.Ordinal)];

        Assert.Equal(["list-a-1", "list-a-2", "list-b-1"], Ids(await env.Client.ListAsync(new WorkflowQuery { Type = nameof(QuickWorkflow) })));
        Assert.Equal(["list-a-2", "other-1"], Ids(await env.Client.ListAsync(new WorkflowQuery { Status = WorkflowStatus.Running })));
        Assert.Equal(["list-a-1", "list-a-2"], Ids(await env.Client.ListAsync(new WorkflowQuery { IdPrefix = "list-a-" })));
        Assert.Equal(["list-b-1"], Ids(await env.Client.ListAsync(new WorkflowQuery { Type = nameof(QuickWorkflow), Status = WorkflowStatus.Failed })));
        Assert.Empty((await env.Client.ListAsync(new WorkflowQuery { IdPrefix = "list-c" })).Items);
        var summary = Assert.Single((await env.Client.ListAsync(new WorkflowQuery { IdPrefix = "list-a-1" })).Items);
        Assert.Equal(WorkflowStatus.Completed, summary.Status);
        Assert.NotNull(summary.ClosedAt);
    }

    [Fact]
    public async Task ListAsync_IdPrefixFollowedByAnyCharacter_MatchesEveryIdWithThatPrefix()
    {
        await using var env = await StartAsync();
        string[] ids = ["intl-é", "intl-\uffff", "intl-😀", "intl-~"];
        foreach (var id in ids)
        {
            await env.Client.StartAsync<QuickWorkflow, string, string>(id, QuickMode.Wait);
        }
        await env.Client.StartAsync<QuickWorkflow, string, string>("intl", QuickMode.Wait);
        await env.Client.StartAsync<QuickWorkflow, string, string>("intl_", QuickMode.Wait);

        var page = await env.Client.ListAsync(new WorkflowQuery { IdPrefix = "intl-" });

        Assert.Equal(ids.Order(StringComparer.Ordinal), page.Items.Select(i => i.WorkflowId).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task ListAsync_FilterByCreationTime_ReturnsRunsCreatedInWindow()
    {
        await using var env = await StartAsync();
        var clock = (SkippingTimeProvider)env.Time;
        await env.Client.StartAsync<QuickWorkflow, string, string>("time-1", "early");
        clock.Advance(TimeSpan.FromHours(1));
        var from = env.Time.GetUtcNow();
        await env.Client.StartAsync<QuickWorkflow, string, string>("time-2", "middle");
        clock.Advance(TimeSpan.FromHours(1));
        var to = env.Time.GetUtcNow();
        await env.Client.StartAsync<QuickWorkflow, string, string>("time-3", "late");

        var window = await env.Client.ListAsync(new WorkflowQuery { IdPrefix = "time-", CreatedAfter = from, CreatedBefore = to });
        var after = await env.Client.ListAsync(new WorkflowQuery { IdPrefix = "time-", CreatedAfter = from });
        var before = await env.Client.ListAsync(new WorkflowQuery { IdPrefix = "time-", CreatedBefore = from });

        Assert.Equal(["time-2"], window.Items.Select(i => i.WorkflowId));
        Assert.Equal(["time-3", "time-2"], after.Items.Select(i => i.WorkflowId));
        Assert.Equal(["time-1"], before.Items.Select(i => i.WorkflowId));
    }

    [Fact]
    public async Task ListAsync_PageSizeThree_PagesThroughEveryRunOnceNewestFirst()
    {
        await using var env = await StartAsync();
        for (var i = 0; i < 8; i++)
        {
            await env.Client.StartAsync<QuickWorkflow, string, string>($"page-{i}", QuickMode.Wait);
        }

        var pages = new List<WorkflowPage>();
        string? token = null;
        do
        {
            var page = await env.Client.ListAsync(new WorkflowQuery { IdPrefix = "page-", PageSize = 3, PageToken = token });
            pages.Add(page);
            token = page.NextPageToken;
        }
        while (token is not null && pages.Count < 10);

        Assert.Equal([3, 3, 2], pages.Select(p => p.Items.Count));
        var all = pages.SelectMany(p => p.Items).ToList();
        Assert.Equal(8, all.Select(s => s.RunId).Distinct().Count());
        Assert.Equal(Enumerable.Range(0, 8).Select(i => $"page-{i}").Order(StringComparer.Ordinal), all.Select(s => s.WorkflowId).Order(StringComparer.Ordinal));
        Assert.True(all.Zip(all.Skip(1)).All(p => p.First.CreatedAt >= p.Second.CreatedAt));
    }

    // ---- history and change feed ----

    [Fact]
    public async Task WatchAsync_FromPositionOfEarlierChange_StreamsOnlyLaterChanges()
    {
        await using var env = await StartAsync();
        using var watch = new CancellationTokenSource(Wait.HangGuard);
        await env.Client.StartAsync<QuickWorkflow, string, string>("feed-1", "first");
        var first = await CollectUntilClosedAsync(env, "feed-1", 0, watch.Token);

        var second = CollectUntilClosedAsync(env, "feed-2", first[^1].Sequence, watch.Token, includeOthers: true);
        await env.Client.StartAsync<QuickWorkflow, string, string>("feed-2", "second");
        var later = await second;

        Assert.Equal([WorkflowChangeKind.Started, WorkflowChangeKind.Closed], first.Select(c => c.Kind));
        Assert.Equal([WorkflowChangeKind.Started, WorkflowChangeKind.Closed], later.Select(c => c.Kind));
        Assert.All(later, c => Assert.Equal("feed-2", c.WorkflowId));
        Assert.All(later, c => Assert.True(c.Sequence > first[^1].Sequence));
    }

    /// <summary>Reads the change feed from <paramref name="after"/> until <paramref name="workflowId"/> closes.</summary>
    private static async Task<List<WorkflowChange>> CollectUntilClosedAsync(
        DurableTestEnvironment env, string workflowId, long after, CancellationToken cancellationToken, bool includeOthers = false)
    {
        var changes = new List<WorkflowChange>();
        await foreach (var change in env.Client.WatchAsync(after, cancellationToken))
        {
            if (change.WorkflowId == workflowId || includeOthers)
            {
                changes.Add(change);
            }
            if (change.WorkflowId == workflowId && change.Kind == WorkflowChangeKind.Closed)
            {
                break;
            }
        }
        return changes;
    }
}

public sealed class ClientTestsOnSqlite() : ClientTests(StoreKind.Sqlite);

public sealed class ClientTestsOnPostgres() : ClientTests(StoreKind.Postgres);
