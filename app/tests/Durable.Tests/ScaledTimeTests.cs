using Durable.Testing;
using Durable.Tests.Workflows;

namespace Durable.Tests;

public sealed class ScaledTimeTests
{
    /// <summary>A clock the test moves by hand, recording the timers made on it.</summary>
    private sealed class ManualClock : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);
        public List<(TimeSpan Due, TimeSpan Period)> Timers { get; } = [];

        public override DateTimeOffset GetUtcNow() => Now;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => Now.UtcTicks;

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            Timers.Add((dueTime, period));
            return System.CreateTimer(callback, state, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }
    }

    [Fact]
    public void GetUtcNow_InnerClockMovesOneSecond_ScaledClockMovesScaleSeconds()
    {
        var inner = new ManualClock();
        var scaled = new ScaledTimeProvider(60, inner);
        var start = scaled.GetUtcNow();
        var startTimestamp = scaled.GetTimestamp();

        inner.Now += TimeSpan.FromSeconds(1);

        Assert.Equal(TimeSpan.FromMinutes(1), scaled.GetUtcNow() - start);
        Assert.Equal(TimeSpan.FromMinutes(1), scaled.GetElapsedTime(startTimestamp));
    }

    [Fact]
    public void CreateTimer_ScaledClock_RealPeriodsAreDividedByTheScale()
    {
        var inner = new ManualClock();
        var scaled = new ScaledTimeProvider(100, inner);

        using var timer = scaled.CreateTimer(_ => { }, null, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(1));
        timer.Change(TimeSpan.FromMinutes(1), Timeout.InfiniteTimeSpan);

        Assert.Equal((TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(10)), inner.Timers.Single());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(double.NaN)]
    [InlineData(20_000)]
    public void Constructor_ScaleOutOfRange_Throws(double scale) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new ScaledTimeProvider(scale));

    [Fact]
    public async Task DelayAsync_EngineOnScaledClock_TimerFiresAfterItsScaledTime()
    {
        await using var env = await DurableTestEnvironment.StartAsync(b => b.AddWorkflow<LongSleepWorkflow>(), timeProvider: new ScaledTimeProvider(1_000));

        await env.Client.StartAsync<LongSleepWorkflow, TimeSpan, SleepResult>("scaled-sleep", TimeSpan.FromMinutes(1));
        var result = await Wait.ForResultAsync<SleepResult>(env, "scaled-sleep");

        Assert.True(result.After - result.Before >= TimeSpan.FromMinutes(1), $"slept {result.After - result.Before}");
        var history = await env.Client.GetHistoryAsync("scaled-sleep");
        Assert.Single(history, e => e.Type == HistoryEventType.TimerFired);
    }
}
