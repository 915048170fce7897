using System.Net.Http.Json;
using Durable;
using FoodOrdering.Domain.Orders;
using FoodOrdering.Domain.Payments;

namespace FoodOrdering.Domain.Restaurants;

/// <summary>Calls a restaurant's point of sale over HTTP. The order id is the idempotency key: asking twice cooks once.</summary>
public sealed class RestaurantActivities(HttpClient http, KitchenCallback callback)
{
    public const string HttpClientName = "restaurants";

    public async Task<PrepareAccepted> PrepareAsync(string orderId, string restaurantId, IReadOnlyList<OrderProduct> products)
    {
        var request = new PrepareRequest(orderId, restaurantId, products, callback.UrlFor(restaurantId, orderId));
        using var response = await http.PostAsJsonAsync($"restaurants/{Uri.EscapeDataString(restaurantId)}/orders", request, DurableJson.Options);
        await PaymentActivities.EnsureSuccessAsync(response);
        return (await response.Content.ReadFromJsonAsync<PrepareAccepted>(DurableJson.Options))!;
    }

    public async Task CancelPreparationAsync(string orderId, string restaurantId)
    {
        using var response = await http.DeleteAsync($"restaurants/{Uri.EscapeDataString(restaurantId)}/orders/{Uri.EscapeDataString(orderId)}");
        await PaymentActivities.EnsureSuccessAsync(response);
    }
}

/// <summary>Where a point of sale reports that an order is prepared: the app's callback endpoint.</summary>
public sealed record KitchenCallback(Uri AppBaseUrl)
{
    public string UrlFor(string restaurantId, string orderId) =>
        new Uri(AppBaseUrl, $"api/restaurants/{Uri.EscapeDataString(restaurantId)}/orders/{Uri.EscapeDataString(orderId)}/prepared").ToString();
}
