namespace Durable.Testing;

/// <summary>
/// A clock that the worker moves forward to the next timer whenever nothing else can happen,
/// so a 30-day sleep takes milliseconds. Between skips it runs at real speed.
/// </summary>
public sealed class SkippingTimeProvider : TimeProvider
{
    private long _offsetTicks;

    public TimeSpan Skipped => TimeSpan.FromTicks(Interlocked.Read(ref _offsetTicks));

    public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + Skipped;

    /// <summary>Moves the clock forward to <paramref name="time"/> (never backwards).</summary>
    public void AdvanceTo(DateTimeOffset time)
    {
        var needed = (time - GetUtcNow()).Ticks;
        if (needed > 0)
        {
            Interlocked.Add(ref _offsetTicks, needed);
        }
    }

    public void Advance(TimeSpan by)
    {
        if (by > TimeSpan.Zero)
        {
            Interlocked.Add(ref _offsetTicks, by.Ticks);
        }
    }
}
