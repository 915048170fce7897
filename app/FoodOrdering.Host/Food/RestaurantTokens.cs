using FoodOrdering.Host.Security;

namespace FoodOrdering.Host.Food;

/// <summary>The secret each restaurant presents when it calls back (configured, or generated into the secrets file); compared in constant time.</summary>
public sealed class RestaurantTokens(HostSecrets secrets)
{
    /// <summary>The token the point of sale sends for <paramref name="restaurantId"/>.</summary>
    public string For(string restaurantId) => secrets.RestaurantTokens[restaurantId];

    public bool IsValid(string restaurantId, HttpRequest request) => secrets.IsRestaurant(restaurantId, request.BearerToken());
}
