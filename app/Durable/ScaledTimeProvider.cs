namespace Durable;

/// <summary>
/// A clock that runs <see cref="Scale"/> times faster than real time from the moment it is made, for
/// simulations: at 60, an hour of orders, sleeps and timeouts passes in a minute. Timers made through it
/// fire after their period divided by the scale. Durable state stores absolute times, so a store written at
/// one scale and reopened later continues from the real clock: use scaled time for simulations, not in production.
/// </summary>
public sealed class ScaledTimeProvider : TimeProvider
{
    private readonly TimeProvider _inner;
    private readonly DateTimeOffset _origin;
    private readonly long _start;

    /// <param name="scale">How many times faster than real time.</param>
    /// <param name="inner">The real clock.</param>
    /// <param name="epoch">
    /// The real instant at which scaled time equals real time. Without one, the clock starts at the real time
    /// of its creation, so each process (and each restart) has its own; processes that share a store (or one
    /// process that restarts) give the same epoch so that they agree on what time it is.
    /// </param>
    public ScaledTimeProvider(double scale, TimeProvider? inner = null, DateTimeOffset? epoch = null)
    {
        if (!double.IsFinite(scale) || scale <= 0 || scale > 10_000)
        {
            throw new ArgumentOutOfRangeException(nameof(scale), scale, "The time scale must be above 0 and at most 10000.");
        }
        Scale = scale;
        _inner = inner ?? System;
        var now = _inner.GetUtcNow();
        _origin = epoch is { } start && start <= now ? start + (now - start) * scale : now;
        _start = _inner.GetTimestamp();
    }

    public double Scale { get; }

    public override DateTimeOffset GetUtcNow() => _origin + _inner.GetElapsedTime(_start) * Scale;

    public override long TimestampFrequency => _inner.TimestampFrequency;

    public override long GetTimestamp() => _start + (long)((_inner.GetTimestamp() - _start) * Scale);

    public override TimeZoneInfo LocalTimeZone => _inner.LocalTimeZone;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
        new ScaledTimer(_inner.CreateTimer(callback, state, ToReal(dueTime), ToReal(period)), this);

    private TimeSpan ToReal(TimeSpan span) => span == Timeout.InfiniteTimeSpan || span <= TimeSpan.Zero ? span : span / Scale;

    private sealed class ScaledTimer(ITimer inner, ScaledTimeProvider owner) : ITimer
    {
        public bool Change(TimeSpan dueTime, TimeSpan period) => inner.Change(owner.ToReal(dueTime), owner.ToReal(period));

        public void Dispose() => inner.Dispose();

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
