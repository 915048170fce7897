namespace FoodOrdering.Domain.Payments;

public sealed record ChargeRequest(string OrderId, string IdempotencyKey, decimal Amount);

public sealed record ChargeResult(bool Approved, string ChargeId, string? DeclineReason);

public sealed record RefundRequest(string ChargeId, string IdempotencyKey, string Reason);

public sealed record RefundResult(string RefundId, decimal Amount);
