namespace Durable.Testing;

/// <summary>
/// A clock that the worker moves forward to the next timer whenever nothing else can happen, so a
/// 30-day sleep takes milliseconds. As in Temporal's test server, time skips only while someone
/// waits for a workflow's result (or holds <see cref="AllowSkipping"/>): a test that is about to send
/// a signal is not overtaken by the timeout it wants to beat. Between skips it runs at real speed.
/// </summary>
public sealed class SkippingTimeProvider : TimeProvider
{
    private long _offsetTicks;
    private int _allowances;

    /// <summary>True while at least one <see cref="AllowSkipping"/> scope is open.</summary>
    public bool IsSkippingAllowed => Volatile.Read(ref _allowances) > 0;

    /// <summary>Lets the worker skip idle time until the returned scope is disposed.</summary>
    public IDisposable AllowSkipping()
    {
        Interlocked.Increment(ref _allowances);
        return new Allowance(this);
    }

    private sealed class Allowance(SkippingTimeProvider owner) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                Interlocked.Decrement(ref owner._allowances);
            }
        }
    }

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
