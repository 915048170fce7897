using System.Text.Json.Serialization;

namespace FoodOrdering.Host.Demo;

/// <summary>Input of <see cref="DemoOrderWorkflow"/>.</summary>
public sealed record DemoOrder(string Id, long DeliveryDelayMs);

/// <summary>Argument of the "prepared" signal; <see cref="By"/> says who marked the order prepared.</summary>
public sealed record Prepared(string? By = null);

/// <summary>The queryable status the workflow keeps up to date (GET /api/workflows/{id} shows it as customStatus).</summary>
public sealed record DemoOrderStatus(DemoOrderState Status);

public sealed record DemoOrderResult(string OrderId, DemoOrderState Status, string? PaymentId, string? PreparedBy);

/// <summary>The Restate demo's status names, so the same clients can read both.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<DemoOrderState>))]
public enum DemoOrderState
{
    [JsonStringEnumMemberName("CREATED")] Created,
    [JsonStringEnumMemberName("SCHEDULED")] Scheduled,
    [JsonStringEnumMemberName("IN_PREPARATION")] InPreparation,
    [JsonStringEnumMemberName("DELIVERED")] Delivered,
    [JsonStringEnumMemberName("CANCELLED")] Cancelled,
}
