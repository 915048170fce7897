using System.Text.Json.Serialization;
using FoodOrdering.Domain.Geo;

namespace FoodOrdering.Domain.Orders;

/// <summary>An order event as published to the "orders" topic (the reference demo's shape).</summary>
public sealed record OrderRequest
{
    public required string Id { get; init; }
    public required string RestaurantId { get; init; }
    public required IReadOnlyList<OrderProduct> Products { get; init; }
    /// <summary>In dollars.</summary>
    public decimal TotalCost { get; init; }
    /// <summary>Milliseconds to wait before the restaurant starts preparing.</summary>
    public long DeliveryDelay { get; init; }
    /// <summary>Where to deliver; a point in the restaurant's region derived from the order id when absent.</summary>
    public GeoPoint? DeliveryLocation { get; init; }
}

public sealed record OrderProduct(string ProductId, string? Description, int Quantity);

[JsonConverter(typeof(JsonStringEnumConverter<OrderState>))]
public enum OrderState
{
    [JsonStringEnumMemberName("NEW")] New,
    [JsonStringEnumMemberName("CREATED")] Created,
    [JsonStringEnumMemberName("SCHEDULED")] Scheduled,
    [JsonStringEnumMemberName("IN_PREPARATION")] InPreparation,
    [JsonStringEnumMemberName("SCHEDULING_DELIVERY")] SchedulingDelivery,
    [JsonStringEnumMemberName("WAITING_FOR_DRIVER")] WaitingForDriver,
    [JsonStringEnumMemberName("IN_DELIVERY")] InDelivery,
    [JsonStringEnumMemberName("DELIVERED")] Delivered,
    [JsonStringEnumMemberName("REJECTED")] Rejected,
    [JsonStringEnumMemberName("CANCELLED")] Cancelled,
}

public static class OrderStates
{
    public static bool IsTerminal(this OrderState state) => state is OrderState.Delivered or OrderState.Rejected or OrderState.Cancelled;

    /// <summary>A customer may cancel until the restaurant starts preparing.</summary>
    public static bool IsCancellable(this OrderState state) => state is OrderState.New or OrderState.Created or OrderState.Scheduled;
}

public sealed record StatusChange(OrderState State, DateTimeOffset At);

/// <summary>The order's queryable status: the workflow's custom status, pushed live to the UI.</summary>
public sealed record OrderStatus
{
    public required string OrderId { get; init; }
    public required OrderState State { get; init; }
    public required string RestaurantId { get; init; }
    public string? RegionId { get; init; }
    public decimal TotalCost { get; init; }
    public IReadOnlyList<StatusChange> History { get; init; } = [];
    public DateTimeOffset? ScheduledFor { get; init; }
    public string? DriverId { get; init; }
    public GeoPoint? DriverLocation { get; init; }
    public GeoPoint? RestaurantLocation { get; init; }
    public GeoPoint? DeliveryLocation { get; init; }
    /// <summary>When the driver is expected at the customer.</summary>
    public DateTimeOffset? EtaAt { get; init; }
    /// <summary>Why the order was rejected or cancelled.</summary>
    public string? Reason { get; init; }
    public bool Refunded { get; init; }

    public OrderStatus To(OrderState state, DateTimeOffset at) => this with { State = state, History = [.. History, new StatusChange(state, at)] };
}

public sealed record OrderResult(string OrderId, OrderState State, string? Reason);

/// <summary>Signal "prepared" from the restaurant (or the kitchen display).</summary>
public sealed record Prepared(DateTimeOffset? At = null);

/// <summary>Signal "cancel" from the customer.</summary>
public sealed record CancelRequest(string? Reason = null);

/// <summary>Signal "delivery" from the child delivery workflow: what changed about the delivery.</summary>
public sealed record DeliveryProgress(DeliveryStage Stage, string? DriverId, GeoPoint? DriverLocation, DateTimeOffset? EtaAt);

public enum DeliveryStage
{
    DriverAssigned,
    DriverMoved,
    PickedUp,
    Delivered,
}

/// <summary>Timeouts of an order, in the workflow input so tests and simulations can shorten them.</summary>
public static class OrderTimeouts
{
    public static readonly TimeSpan Preparation = TimeSpan.FromMinutes(30);
}
