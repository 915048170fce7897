using Durable.Testing;
using Durable.Tests.Workflows;

namespace Durable.Tests;

public abstract class ReplayerTests(StoreKind store) : StoreTests(store)
{
    [Fact]
    public async Task Replay_TenThousandEventHistoryFromEngine_MatchesEveryRecordedCommand()
    {
        await using var env = await TestEnvironment.StartAsync(Store, b => b.AddWorkflow<ManyActivitiesWorkflow>());
        await env.Client.StartAsync<ManyActivitiesWorkflow, ManyActivities, long>("long-history", new ManyActivities(Rounds: 100, Width: 50));
        var sum = await Wait.ForResultAsync<long>(env, "long-history");
        var history = await env.Client.GetHistoryAsync("long-history");

        Assert.Equal(Enumerable.Range(0, 100).Sum(r => 50L * r + 1225), sum);
        Assert.True(history.Count >= 10_000, $"{history.Count} events");
        Assert.Equal(5_000, history.Count(e => e.Type == HistoryEventType.ActivityScheduled));
        // Replay checks every command the code issues, in order, against the recorded ones, and that none is left over.
        WorkflowReplayer.Replay<ManyActivitiesWorkflow>(history, "long-history");
    }

    [Fact]
    public async Task Replay_TamperedCommandDeepInLongHistory_ThrowsNamingItsSequence()
    {
        await using var env = await TestEnvironment.StartAsync(Store, b => b.AddWorkflow<ManyActivitiesWorkflow>());
        await env.Client.StartAsync<ManyActivitiesWorkflow, ManyActivities, long>("tampered", new ManyActivities(Rounds: 100, Width: 10));
        await Wait.ForResultAsync<long>(env, "tampered");
        var history = (await env.Client.GetHistoryAsync("tampered")).ToList();
        var index = history.FindLastIndex(e => e.Type == HistoryEventType.ActivityScheduled);
        history[index] = history[index] with { Name = "EchoActivities.Echo" };

        var ex = Assert.Throws<NonDeterminismException>(() => WorkflowReplayer.Replay<ManyActivitiesWorkflow>(history, "tampered"));

        Assert.Contains($"sequence #{history[index].Sequence}", ex.Message, StringComparison.Ordinal);
        Assert.Contains("the code issued ScheduleActivity", ex.Message, StringComparison.Ordinal);
        Assert.Contains("'EchoActivities.Add'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Replay_JsonExportedHistoryAgainstBreakingChange_ThrowsNonDeterminismException()
    {
        await using var env = await TestEnvironment.StartAsync(Store, b => b.AddWorkflow<VersionedWorkflow>());
        await env.Client.StartAsync<VersionedWorkflow, string, string>("versioned-1", "v1");
        Assert.Equal("v1 5", await Wait.ForResultAsync<string>(env, "versioned-1"));
        var recorded = await env.Client.GetHistoryAsync("versioned-1");

        var json = WorkflowReplayer.ToJson(recorded);
        var imported = WorkflowReplayer.FromJson(json);

        Assert.Equal(recorded, imported);
        Assert.Equal(json, WorkflowReplayer.ToJson(imported));
        WorkflowReplayer.Replay<VersionedWorkflow>(imported, "versioned-1");
        VersionedWorkflow.ShipsBreakingChange = true;
        try
        {
            var ex = Assert.Throws<NonDeterminismException>(() => WorkflowReplayer.Replay<VersionedWorkflow>(imported, "versioned-1"));
            Assert.Contains("'versioned-1'", ex.Message, StringComparison.Ordinal);
            Assert.Contains("history has StartTimer #2", ex.Message, StringComparison.Ordinal);
            Assert.Contains("the code issued ScheduleActivity #2 'EchoActivities.Echo'", ex.Message, StringComparison.Ordinal);
        }
        finally
        {
            VersionedWorkflow.ShipsBreakingChange = false;
        }
    }

    [Fact]
    public async Task Replay_HistoryOfRunningWorkflow_Succeeds()
    {
        var gate = new ActivityGate();
        await using var env = await TestEnvironment.StartAsync(Store, b => b.AddWorkflow<TimerAcrossRestartWorkflow>(), gate: gate);
        using var opener = gate.OpenOnExit();
        await env.Client.StartAsync<TimerAcrossRestartWorkflow, TimeSpan, SleepResult>("running-1", TimeSpan.FromDays(1));
        await gate.WaitEnteredAsync();
        var history = await env.Client.GetHistoryAsync("running-1");

        WorkflowReplayer.Replay<TimerAcrossRestartWorkflow>(WorkflowReplayer.FromJson(WorkflowReplayer.ToJson(history)), "running-1");

        Assert.Equal([HistoryEventType.ActivationStarted, HistoryEventType.WorkflowStarted, HistoryEventType.TimerStarted, HistoryEventType.ActivityScheduled], history.Types());
    }
}

public sealed class ReplayerTestsOnSqlite() : ReplayerTests(StoreKind.Sqlite);

public sealed class ReplayerTestsOnPostgres() : ReplayerTests(StoreKind.Postgres);
