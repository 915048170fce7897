using Microsoft.Extensions.Logging;

namespace FoodOrdering.Host.Demo;

/// <summary>The demo's side effects. They only log: the payment stub with its ledger arrives with the food domain.</summary>
public sealed partial class DemoActivities(ILogger<DemoActivities> logger)
{
    /// <returns>The payment id, derived from the key so every attempt of the same charge returns the same id.</returns>
    public Task<string> ChargeAsync(string orderId, Guid idempotencyKey)
    {
        LogCharged(orderId, idempotencyKey);
        return Task.FromResult($"pay-{idempotencyKey:N}");
    }

    public Task RefundAsync(string orderId, Guid idempotencyKey)
    {
        LogRefunded(orderId, idempotencyKey);
        return Task.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Charged order {OrderId} (idempotency key {IdempotencyKey})")]
    private partial void LogCharged(string orderId, Guid idempotencyKey);

    [LoggerMessage(Level = LogLevel.Information, Message = "Refunded order {OrderId} (idempotency key {IdempotencyKey})")]
    private partial void LogRefunded(string orderId, Guid idempotencyKey);
}
