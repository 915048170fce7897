using Durable.Testing;
using Durable.Tests.Workflows;
using Microsoft.Extensions.DependencyInjection;

namespace Durable.Tests;

public abstract class SignalTests(StoreKind store) : StoreTests(store)
{
    [Fact]
    public async Task WaitForSignalAsync_SignalArrivesBeforeWait_IsBufferedNotLost()
    {
        var gate = new ActivityGate();
        await using var env = await TestEnvironment.StartAsync(Store, b => b.AddWorkflow<SignalCollectorWorkflow>(), gate: gate);
        using var opener = gate.OpenOnExit();

        await env.Client.StartAsync<SignalCollectorWorkflow, SignalCollectRequest, List<string>>("early-1", new SignalCollectRequest("item", 1, HoldFirst: true));
        await gate.WaitEnteredAsync();
        await env.Client.SignalAsync("early-1", "item", "early bird");
        var description = await Wait.ForDescriptionAsync(env, "early-1", d => d.BufferedSignals.Count == 1 && d.HistoryLength > 3, "the signal buffered in history");
        Assert.Equal(new BufferedSignal("item", "\"early bird\""), description.BufferedSignals[0]);
        gate.Open();
        var result = await Wait.ForResultAsync<List<string>>(env, "early-1");

        Assert.Equal(["early bird"], result);
        var history = await Wait.ReplaysAsync<SignalCollectorWorkflow>(env, "early-1");
        Assert.True(history.IndexOf(HistoryEventType.SignalReceived) < history.IndexOf(HistoryEventType.ActivityCompleted));
        Assert.Single(history.OfType(HistoryEventType.SignalReceived));
    }

    [Fact]
    public async Task WaitForSignalAsync_SeveralBufferedSignalsOfOneName_ConsumedFifoEachOnce()
    {
        var gate = new ActivityGate();
        await using var env = await TestEnvironment.StartAsync(Store, b => b.AddWorkflow<SignalCollectorWorkflow>(), gate: gate);
        using var opener = gate.OpenOnExit();

        await env.Client.StartAsync<SignalCollectorWorkflow, SignalCollectRequest, List<string>>("fifo-1", new SignalCollectRequest("item", 3, HoldFirst: true));
        await gate.WaitEnteredAsync();
        foreach (var value in new[] { "1", "2", "3", "4" })
        {
            await env.Client.SignalAsync("fifo-1", "item", value);
            await env.Client.SignalAsync("fifo-1", "noise", "n" + value);
        }
        gate.Open();
        var result = await Wait.ForResultAsync<List<string>>(env, "fifo-1");

        Assert.Equal(["1", "2", "3"], result);
        var description = await env.Client.DescribeAsync("fifo-1");
        // The fourth "item" and all "noise" signals were never waited for; nothing was consumed twice.
        Assert.Equal(["\"4\""], description!.BufferedSignals.Where(s => s.Name == "item").Select(s => s.Payload));
        Assert.Equal(4, description.BufferedSignals.Count(s => s.Name == "noise"));
        var history = await Wait.ReplaysAsync<SignalCollectorWorkflow>(env, "fifo-1");
        Assert.Equal(["\"1\"", "\"2\"", "\"3\"", "\"4\""], history.OfType(HistoryEventType.SignalReceived).Where(e => e.Name == "item").Select(e => e.Payload));
    }

    [Fact]
    public async Task WaitForSignalAsync_TwoPendingWaitsOnOneName_EachSignalCompletesExactlyOneWait()
    {
        await using var env = await TestEnvironment.StartAsync(Store, b => b.AddWorkflow<ConcurrentWaitsWorkflow>());

        await env.Client.StartAsync<ConcurrentWaitsWorkflow, string, List<string>>("waits-1", "");
        await Wait.ForEventAsync(env, "waits-1", HistoryEventType.WorkflowStarted);
        await env.Client.SignalAsync("waits-1", ConcurrentWaitsWorkflow.Item, "x");
        await Wait.ForEventAsync(env, "waits-1", HistoryEventType.SignalReceived);
        var afterOne = await env.Client.DescribeAsync("waits-1");
        Assert.Equal(WorkflowStatus.Running, afterOne!.Status);
        Assert.Empty(afterOne.BufferedSignals);
        await env.Client.SignalAsync("waits-1", ConcurrentWaitsWorkflow.Other, "o");
        await env.Client.SignalAsync("waits-1", ConcurrentWaitsWorkflow.Item, "y");
        var result = await Wait.ForResultAsync<List<string>>(env, "waits-1");

        Assert.Equal(["x", "y", "o"], result);
        var history = await Wait.ReplaysAsync<ConcurrentWaitsWorkflow>(env, "waits-1");
        Assert.Equal(3, history.OfType(HistoryEventType.SignalReceived).Count);
        Assert.Empty((await env.Client.DescribeAsync("waits-1"))!.BufferedSignals);
    }

    [Fact]
    public async Task WaitForSignalAsync_NoSignalWithinTimeout_ThrowsSignalTimeoutException()
    {
        await using var env = await TestEnvironment.StartAsync(Store, b => b.AddWorkflow<SignalTimeoutWorkflow>());

        await env.Client.StartAsync<SignalTimeoutWorkflow, TimeSpan, string>("timeout-1", TimeSpan.FromHours(2));
        var result = await Wait.ForResultAsync<string>(env, "timeout-1");

        Assert.Equal("timeout:" + SignalTimeoutWorkflow.Reply, result);
        var history = await Wait.ReplaysAsync<SignalTimeoutWorkflow>(env, "timeout-1");
        var started = Assert.Single(history.OfType(HistoryEventType.TimerStarted));
        Assert.Equal(started.Sequence, Assert.Single(history.OfType(HistoryEventType.TimerFired)).Sequence);
        Assert.Empty(history.OfType(HistoryEventType.SignalReceived));
    }

    [Fact]
    public async Task WaitForSignalAsync_SignalBeforeTimeout_ReturnsSignalAndCancelsTimer()
    {
        // Real time: the one-hour timeout must not be skipped over before the signal arrives.
        await using var env = await TestEnvironment.StartAsync(Store, b => b.AddWorkflow<SignalTimeoutWorkflow>(), timeSkipping: false);

        await env.Client.StartAsync<SignalTimeoutWorkflow, TimeSpan, string>("reply-1", TimeSpan.FromHours(1));
        await Wait.ForEventAsync(env, "reply-1", HistoryEventType.TimerStarted);
        await env.Client.SignalAsync("reply-1", SignalTimeoutWorkflow.Reply, "pong");
        var result = await Wait.ForResultAsync<string>(env, "reply-1");

        Assert.Equal("reply:pong", result);
        var history = await Wait.ReplaysAsync<SignalTimeoutWorkflow>(env, "reply-1");
        var timer = Assert.Single(history.OfType(HistoryEventType.TimerStarted)).Sequence;
        Assert.Equal(timer, Assert.Single(history.OfType(HistoryEventType.TimerCanceled)).Sequence);
        Assert.Empty(history.OfType(HistoryEventType.TimerFired));
    }

    [Fact]
    public async Task WaitForSignalAsync_SignalArrivedBeforeTimeoutButWorkerLate_SignalWins()
    {
        var path = Path.Combine(Path.GetTempPath(), "durable-tests", Guid.NewGuid().ToString("N"), "durable.db");
        void Register(Hosting.DurableBuilder b) => b.AddWorkflow<SignalTimeoutWorkflow>();
        // The same store each time: the SQLite file at path, or one PostgreSQL database.
        var store = await TestEnvironment.StoreOptionsAsync(Store);
        try
        {
            await using (var env = await DurableTestEnvironment.StartAsync(Register, timeSkipping: false, options: store, storePath: path))
            {
                await env.Client.StartAsync<SignalTimeoutWorkflow, TimeSpan, string>("late-worker", TimeSpan.FromHours(1));
                await Wait.ForEventAsync(env, "late-worker", HistoryEventType.TimerStarted);
            }
            // The reply comes in time, while no worker runs (a client-only process, or a worker that is down or behind).
            await using (var clientOnly = await DurableTestEnvironment.StartAsync(Register, timeSkipping: false, options: o => { store?.Invoke(o); o.WorkerEnabled = false; }, storePath: path))
            {
                await clientOnly.Client.SignalAsync("late-worker", SignalTimeoutWorkflow.Reply, "in time");
            }
            // The worker comes back two hours later: the reply and the expired timeout are both waiting.
            var late = new SkippingTimeProvider();
            late.Advance(TimeSpan.FromHours(2));
            await using (var env = await DurableTestEnvironment.StartAsync(Register, timeSkipping: false, services: s => s.AddSingleton<TimeProvider>(late), options: store, storePath: path))
            {
                Assert.Equal("reply:in time", await Wait.ForResultAsync<string>(env, "late-worker"));
                var history = await Wait.ReplaysAsync<SignalTimeoutWorkflow>(env, "late-worker");
                Assert.True(history.IndexOf(HistoryEventType.SignalReceived) < history.IndexOf(HistoryEventType.TimerFired));
            }
        }
        finally
        {
            if (Directory.Exists(Path.GetDirectoryName(path)))
            {
                Directory.Delete(Path.GetDirectoryName(path)!, recursive: true);
            }
        }
    }

    [Fact]
    public async Task WhenAny_SignalBeatsTimer_SameBranchAfterReplay()
    {
        var gate = new ActivityGate();
        // No cache: every activation replays the whole history, including the race.
        await using var env = await TestEnvironment.StartAsync(Store, b => b.AddWorkflow<SignalOrTimerWorkflow>(), gate: gate, options: o => o.CacheCapacity = 0);
        using var opener = gate.OpenOnExit();

        await env.Client.StartAsync<SignalOrTimerWorkflow, bool, string>("race-signal", true);
        await gate.WaitEnteredAsync();
        await env.Client.SignalAsync("race-signal", SignalOrTimerWorkflow.Wake, "now");
        await Wait.ForEventAsync(env, "race-signal", HistoryEventType.TimerCanceled);
        gate.Open();
        var result = await Wait.ForResultAsync<string>(env, "race-signal");

        Assert.Equal("signal", result);
        var history = await Wait.ReplaysAsync<SignalOrTimerWorkflow>(env, "race-signal");
        var race = history.Activations().Single(a => a.Any(e => e.Type == HistoryEventType.SignalReceived));
        Assert.Contains(race, e => e.Type == HistoryEventType.TimerCanceled);
        Assert.Empty(history.OfType(HistoryEventType.TimerFired));
        Assert.Equal("[\"signal\"]", history.OfType(HistoryEventType.ActivityScheduled)[^1].Payload);
        Assert.True(history.Activations().Count >= 3, "the branch was replayed at least twice");
        Assert.Equal(HistoryEventType.WorkflowCompleted, history[^1].Type);
    }

    [Fact]
    public async Task WhenAny_TimerBeatsSignal_SameBranchAfterRestart()
    {
        await using var env = await TestEnvironment.StartAsync(Store, b => b.AddWorkflow<SignalOrTimerWorkflow>(), options: o => o.CacheCapacity = 0);

        await env.Client.StartAsync<SignalOrTimerWorkflow, bool, string>("race-timer", false);
        using (env.AllowTimeSkipping())
        {
            await Wait.ForEventAsync(env, "race-timer", HistoryEventType.ActivityScheduled);
        }
        await env.RestartAsync();
        var result = await Wait.ForResultAsync<string>(env, "race-timer");

        Assert.Equal("timer", result);
        var history = await Wait.ReplaysAsync<SignalOrTimerWorkflow>(env, "race-timer");
        var race = history.Activations().Single(a => a.Any(e => e.Type == HistoryEventType.TimerFired));
        Assert.Equal("[\"timer\"]", Assert.Single(race, e => e.Type == HistoryEventType.ActivityScheduled).Payload);
        Assert.Empty(history.OfType(HistoryEventType.SignalReceived));
        Assert.Empty(history.OfType(HistoryEventType.TimerCanceled));
        Assert.Equal(HistoryEventType.WorkflowCompleted, history[^1].Type);
    }

    [Fact]
    public async Task SignalWithStartAsync_NotRunningThenRunning_StartsOnceAndDeliversBoth()
    {
        await using var env = await TestEnvironment.StartAsync(Store, b => b.AddWorkflow<SignalCollectorWorkflow>());
        var input = DurableJson.Serialize(new SignalCollectRequest("item", 2));

        var first = await env.Client.SignalWithStartAsync(nameof(SignalCollectorWorkflow), "sws-1", input, "item", "first");
        var second = await env.Client.SignalWithStartAsync(nameof(SignalCollectorWorkflow), "sws-1", input, "item", "second");
        var result = await Wait.ForResultAsync<List<string>>(env, "sws-1");

        Assert.True(first.Started);
        Assert.False(second.Started);
        Assert.Equal(first.RunId, second.RunId);
        Assert.Equal(["first", "second"], result);
        var history = await Wait.ReplaysAsync<SignalCollectorWorkflow>(env, "sws-1");
        var firstActivation = history.Activations()[0];
        Assert.Equal(HistoryEventType.WorkflowStarted, firstActivation[1].Type);
        Assert.Equal(HistoryEventType.SignalReceived, firstActivation[2].Type);
        Assert.Equal("\"first\"", firstActivation[2].Payload);
    }

    [Fact]
    public async Task SignalAsync_UnknownWorkflow_ThrowsWorkflowNotFoundException()
    {
        await using var env = await TestEnvironment.StartAsync(Store, b => b.AddWorkflow<SignalCollectorWorkflow>());

        var ex = await Assert.ThrowsAsync<WorkflowNotFoundException>(() => env.Client.SignalAsync("nobody", "item", "x"));

        Assert.Equal("nobody", ex.WorkflowId);
    }

    [Fact]
    public async Task SignalAsync_CompletedWorkflow_ThrowsWorkflowNotFoundException()
    {
        await using var env = await TestEnvironment.StartAsync(Store, b => b.AddWorkflow<SignalCollectorWorkflow>());
        await env.Client.StartAsync<SignalCollectorWorkflow, SignalCollectRequest, List<string>>("done-1", new SignalCollectRequest("item", 0));
        await Wait.ForResultAsync<List<string>>(env, "done-1");

        await Assert.ThrowsAsync<WorkflowNotFoundException>(() => env.Client.SignalAsync("done-1", "item", "x"));

        Assert.Empty((await env.Client.GetHistoryAsync("done-1")).OfType(HistoryEventType.SignalReceived));
    }
}

public sealed class SignalTestsOnSqlite() : SignalTests(StoreKind.Sqlite);

public sealed class SignalTestsOnPostgres() : SignalTests(StoreKind.Postgres);
