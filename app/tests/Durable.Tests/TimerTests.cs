using System.Globalization;
using Durable.Tests.Workflows;

namespace Durable.Tests;

public abstract class TimerTests(StoreKind store) : StoreTests(store)
{
    [Fact]
    public async Task DelayAsync_ThirtyDays_CompletesThroughTimeSkipping()
    {
        await using var env = await TestEnvironment.StartAsync(Store, b => b.AddWorkflow<LongSleepWorkflow>());

        await env.Client.StartAsync<LongSleepWorkflow, TimeSpan, SleepResult>("sleep-30d", TimeSpan.FromDays(30));
        var result = await Wait.ForResultAsync<SleepResult>(env, "sleep-30d");

        Assert.True(result.After - result.Before >= TimeSpan.FromDays(30), $"{result.After - result.Before}");
        var history = await Wait.ReplaysAsync<LongSleepWorkflow>(env, "sleep-30d");
        var started = Assert.Single(history.OfType(HistoryEventType.TimerStarted));
        var fired = Assert.Single(history.OfType(HistoryEventType.TimerFired));
        Assert.Equal(started.Sequence, fired.Sequence);
        var fireAt = DateTimeOffset.Parse(started.Options!, CultureInfo.InvariantCulture);
        Assert.InRange(fireAt - (result.Before + TimeSpan.FromDays(30)), TimeSpan.Zero, TimeSpan.FromMilliseconds(1));
        Assert.True(history.Activations()[^1][0].Timestamp >= fireAt);
        Assert.True(history.IndexOf(HistoryEventType.TimerFired) < history.IndexOf(HistoryEventType.WorkflowCompleted));
    }

    [Fact]
    public async Task DelayUntilAsync_FutureTime_ResumesAtThatTime()
    {
        await using var env = await TestEnvironment.StartAsync(Store, b => b.AddWorkflow<SleepUntilWorkflow>());
        var target = env.Time.GetUtcNow() + TimeSpan.FromDays(2);

        await env.Client.StartAsync<SleepUntilWorkflow, DateTimeOffset, SleepResult>("until-1", target);
        var result = await Wait.ForResultAsync<SleepResult>(env, "until-1");

        Assert.True(result.After >= target);
        var history = await Wait.ReplaysAsync<SleepUntilWorkflow>(env, "until-1");
        var fireAt = DateTimeOffset.Parse(Assert.Single(history.OfType(HistoryEventType.TimerStarted)).Options!, CultureInfo.InvariantCulture);
        Assert.InRange(fireAt - target, TimeSpan.Zero, TimeSpan.FromMilliseconds(1));
        Assert.Single(history.OfType(HistoryEventType.TimerFired));
    }

    [Fact]
    public async Task DelayUntilAsync_TimeAlreadyPassed_ReturnsWithoutTimer()
    {
        await using var env = await TestEnvironment.StartAsync(Store, b => b.AddWorkflow<SleepUntilWorkflow>());

        await env.Client.StartAsync<SleepUntilWorkflow, DateTimeOffset, SleepResult>("until-past", env.Time.GetUtcNow() - TimeSpan.FromHours(1));
        var result = await Wait.ForResultAsync<SleepResult>(env, "until-past");

        Assert.Equal(result.Before, result.After);
        var history = await Wait.ReplaysAsync<SleepUntilWorkflow>(env, "until-past");
        Assert.Empty(history.OfType(HistoryEventType.TimerStarted));
        Assert.Single(history.Activations());
    }

    [Fact]
    public async Task DelayAsync_EngineRestartsWhileTimerPending_TimerFiresOnce()
    {
        var gate = new ActivityGate();
        await using var env = await TestEnvironment.StartAsync(Store, b => b.AddWorkflow<TimerAcrossRestartWorkflow>(), gate: gate);
        using var opener = gate.OpenOnExit();

        await env.Client.StartAsync<TimerAcrossRestartWorkflow, TimeSpan, SleepResult>("restart-timer", TimeSpan.FromDays(1));
        await gate.WaitEnteredAsync();
        var before = await env.Client.DescribeAsync("restart-timer");
        Assert.Single(before!.PendingTimers);

        // Stopping begins at once; the held activity then finishes during the drain, so the timer is still pending at the restart.
        var restart = env.RestartAsync();
        gate.Open();
        await restart;
        var result = await Wait.ForResultAsync<SleepResult>(env, "restart-timer");

        Assert.True(result.After - result.Before >= TimeSpan.FromDays(1));
        var history = await Wait.ReplaysAsync<TimerAcrossRestartWorkflow>(env, "restart-timer");
        Assert.Single(history.OfType(HistoryEventType.TimerStarted));
        Assert.Single(history.OfType(HistoryEventType.TimerFired));
        Assert.Single(history.OfType(HistoryEventType.ActivityCompleted));
        Assert.Equal(HistoryEventType.WorkflowCompleted, history[^1].Type);
    }
}

public sealed class TimerTestsOnSqlite() : TimerTests(StoreKind.Sqlite);

public sealed class TimerTestsOnPostgres() : TimerTests(StoreKind.Postgres);
