using Durable.Testing;
using Durable.Tests.Workflows;

namespace Durable.Tests;

public abstract class RecoveryTests(StoreKind store) : StoreTests(store)
{
    [Fact]
    public async Task RestartAsync_BetweenActivityCompletionAndNextStep_NoStepRunsTwice()
    {
        var log = new AttemptLog();
        var gate = new ActivityGate();
        await using var env = await TestEnvironment.StartAsync(Store, b => b.AddWorkflow<ThreeChargesWorkflow>(), log, gate);
        using var opener = gate.OpenOnExit();

        var handle = await env.Client.StartAsync<ThreeChargesWorkflow, string, string>("crash-1", "order");
        await gate.WaitEnteredAsync();
        // Shutdown starts (no more activations), then the held charge completes during the drain: its result is
        // durable but the workflow has not taken its next step when the engine goes down.
        var restart = env.RestartAsync();
        gate.Open();
        await restart;
        var result = await Wait.ForResultAsync<string>(env, "crash-1");

        Assert.Equal("charged order-a, charged order-b, charged order-c", result);
        var history = await Wait.ReplaysAsync<ThreeChargesWorkflow>(env, "crash-1");
        AssertEachStepOnce(history);
        Assert.Equal(1, gate.Entries);
        Assert.Equal(3, log.Effects.Count);
        Assert.All(log.Effects, e => Assert.Equal(1, e.Value));
        Assert.Equal(
            Enumerable.Range(1, 3).Select(seq => $"crash-1/{handle.RunId}/{seq}").Order(),
            log.Effects.Keys.Order());
    }

    [Fact]
    public async Task RestartAsync_WhileActivityRuns_AttemptRunsAgainButStepRecordedOnce()
    {
        var log = new AttemptLog();
        var gate = new ActivityGate();
        // No drain: shutdown abandons the running attempt, as a crash would.
        await using var env = await TestEnvironment.StartAsync(Store, b => b.AddWorkflow<ThreeChargesWorkflow>(), log, gate,
            options: o => { o.DrainTimeout = TimeSpan.Zero; o.CacheCapacity = 0; });
        using var opener = gate.OpenOnExit();

        await env.Client.StartAsync<ThreeChargesWorkflow, string, string>("crash-2", "order");
        await gate.WaitEnteredAsync();
        await env.RestartAsync();
        await Wait.UntilAsync(env, () => Task.FromResult(gate.Entries), n => n == 2, "the abandoned attempt to run again");
        gate.Open();
        var result = await Wait.ForResultAsync<string>(env, "crash-2");

        Assert.Equal("charged order-a, charged order-b, charged order-c", result);
        AssertEachStepOnce(await Wait.ReplaysAsync<ThreeChargesWorkflow>(env, "crash-2"));
        // The abandoned attempt never got past the gate, so each charge took effect once.
        Assert.Equal(3, log.Effects.Count);
        Assert.All(log.Effects, e => Assert.Equal(1, e.Value));
    }

    private static void AssertEachStepOnce(IReadOnlyList<HistoryEvent> history)
    {
        Assert.Equal([1, 2, 3], history.OfType(HistoryEventType.ActivityScheduled).Select(e => e.Sequence));
        Assert.Equal([1, 2, 3], history.OfType(HistoryEventType.ActivityCompleted).Select(e => e.Sequence));
        Assert.Single(history.OfType(HistoryEventType.WorkflowStarted));
        Assert.Single(history.OfType(HistoryEventType.WorkflowCompleted));
        Assert.Equal(history.Select((_, i) => (long)i + 1), history.Select(e => e.EventId));
    }
}

public sealed class RecoveryTestsOnSqlite() : RecoveryTests(StoreKind.Sqlite);

public sealed class RecoveryTestsOnPostgres() : RecoveryTests(StoreKind.Postgres);
