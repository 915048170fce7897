using Durable.Hosting;

namespace Durable.Tests.Workflows;

/// <summary>Side effects keyed by the activity's idempotency key, as a payment provider would see them.</summary>
public sealed class LedgerActivities(AttemptLog log, ActivityGate gate)
{
    public Task<string> ChargeAsync(string item)
    {
        log.Effect(ActivityContext.Current!.IdempotencyKey);
        return Task.FromResult($"charged {item}");
    }

    /// <summary>Waits at the gate before charging, so a test can restart the engine around its completion.</summary>
    public async Task<string> ChargeAfterGateAsync(string item, CancellationToken cancellationToken)
    {
        var key = ActivityContext.Current!.IdempotencyKey;
        await gate.PassAsync(cancellationToken);
        log.Effect(key);
        return $"charged {item}";
    }

    public Task<string> RefundAsync(string item)
    {
        log.Effect(ActivityContext.Current!.IdempotencyKey);
        return Task.FromResult($"refunded {item}");
    }
}
