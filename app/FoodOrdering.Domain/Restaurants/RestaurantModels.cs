using FoodOrdering.Domain.Orders;

namespace FoodOrdering.Domain.Restaurants;

/// <summary>What the app asks a restaurant's point of sale to cook; the order id makes it idempotent.</summary>
public sealed record PrepareRequest(string OrderId, string RestaurantId, IReadOnlyList<OrderProduct> Products, string CallbackUrl);

public sealed record PrepareAccepted(string OrderId, int QueuePosition, DateTimeOffset EstimatedReadyAt);
