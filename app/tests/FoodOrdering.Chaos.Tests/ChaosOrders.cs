using System.Text.Json;
using FoodOrdering.Domain.Geo;
using FoodOrdering.Domain.Orders;
using FoodOrdering.Domain.Restaurants;

namespace FoodOrdering.Chaos.Tests;

/// <summary>
/// The orders of a chaos run, in the reference demo's Kafka shape: random restaurants over every region, one to three
/// quick items, delivered a few hundred metres away, now or a little later; a few to be declined by the payment stub.
/// </summary>
public static class ChaosOrders
{
    public const string Prefix = "chaos-";

    public static IReadOnlyList<OrderRequest> Make(int count, Random random) =>
    [
        .. Enumerable.Range(0, count).Select(n =>
        {
            var restaurant = Catalog.All[random.Next(Catalog.All.Count)];
            var products = Enumerable.Range(0, random.Next(1, 4)).Select(_ => restaurant.Menu[random.Next(restaurant.Menu.Count)]).ToList();
            return new OrderRequest
            {
                // One in forty is declined by the payment stub (its id carries the decline marker): REJECTED.
                Id = $"{Prefix}{n:0000}{(n % 40 == 39 ? "-decline" : "")}",
                RestaurantId = restaurant.Id,
                Products = [.. products.Select(p => new OrderProduct(p.ProductId, p.Name, 1))],
                TotalCost = products.Sum(p => p.Price),
                DeliveryDelay = random.Next(4) == 0 ? random.Next(1_000, 60_000) : 0,
                DeliveryLocation = restaurant.Location.Offset(random.Next(150, 900), random.Next(360)),
            };
        }),
    ];

    public static string ToJson(OrderRequest order) => JsonSerializer.Serialize(order, ChaosSystem.Json);
}
