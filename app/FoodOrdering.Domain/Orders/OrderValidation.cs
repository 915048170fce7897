using System.Text.RegularExpressions;
using FoodOrdering.Domain.Restaurants;

namespace FoodOrdering.Domain.Orders;

/// <summary>The rules an order must meet, the same for HTTP and Kafka input. Each broken rule gets one clear message.</summary>
public static partial class OrderValidation
{
    public const int MaxIdLength = 100;
    public const int MaxProducts = 50;
    public const int MaxQuantity = 99;
    public const decimal MaxTotal = 10_000m;
    public const int MaxDescriptionLength = 200;
    public static readonly TimeSpan MaxDeliveryDelay = TimeSpan.FromDays(7);

    public static IReadOnlyDictionary<string, string[]> Validate(OrderRequest? order)
    {
        var errors = new Dictionary<string, string[]>();
        if (order is null)
        {
            errors["body"] = ["An order is required."];
            return errors;
        }
        if (string.IsNullOrWhiteSpace(order.Id) || order.Id.Length > MaxIdLength || !IdPattern().IsMatch(order.Id))
        {
            errors["id"] = [$"The id must be 1-{MaxIdLength} characters of letters, digits, '-', '_' or '.'."];
        }
        var restaurant = order.RestaurantId is null ? null : Catalog.Find(order.RestaurantId);
        if (restaurant is null)
        {
            errors["restaurantId"] = [$"Unknown restaurant '{Echo(order.RestaurantId)}'. Known: {string.Join(", ", Catalog.All.Select(r => r.Id))}."];
        }
        if (order.Products is null || order.Products.Count == 0 || order.Products.Count > MaxProducts)
        {
            errors["products"] = [$"An order has 1 to {MaxProducts} products."];
        }
        else
        {
            var problems = new List<string>();
            for (var i = 0; i < order.Products.Count; i++)
            {
                var product = order.Products[i];
                if (product is null)
                {
                    problems.Add($"Product {i} is missing.");
                    continue;
                }
                if (restaurant is not null && restaurant.FindProduct(product.ProductId ?? "") is null)
                {
                    problems.Add($"Product {i}: '{Echo(product.ProductId)}' is not on the menu of {restaurant.Name}.");
                }
                if (product.Quantity is < 1 or > MaxQuantity)
                {
                    problems.Add($"Product {i}: the quantity must be between 1 and {MaxQuantity}.");
                }
                if (product.Description is { Length: > MaxDescriptionLength })
                {
                    problems.Add($"Product {i}: the description is longer than {MaxDescriptionLength} characters.");
                }
            }
            if (problems.Count > 0)
            {
                errors["products"] = [.. problems];
            }
        }
        if (order.TotalCost is < 0 or > MaxTotal)
        {
            errors["totalCost"] = [$"The total must be between 0 and {MaxTotal}."];
        }
        if (order.DeliveryDelay < 0 || order.DeliveryDelay > MaxDeliveryDelay.TotalMilliseconds)
        {
            errors["deliveryDelay"] = [$"The delivery delay is in milliseconds, between 0 and {MaxDeliveryDelay.TotalMilliseconds:0} (7 days)."];
        }
        if (order.DeliveryLocation is { IsValid: false })
        {
            errors["deliveryLocation"] = ["The delivery location needs a latitude in [-90, 90] and a longitude in [-180, 180]."];
        }
        return errors;
    }

    /// <summary>A value quoted back in an error, cut short: a hostile megabyte of id must not come back in every reply and DLQ header.</summary>
    public static string? Echo(string? value) => value is { Length: > 40 } ? value[..40] + "…" : value;

    [GeneratedRegex("^[A-Za-z0-9_.-]+$")]
    private static partial Regex IdPattern();
}
