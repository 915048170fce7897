using System.Security.Cryptography;
using System.Text;
using FoodOrdering.Domain.Restaurants;
using Microsoft.Extensions.Options;

namespace FoodOrdering.Host.Food;

/// <summary>
/// The secret each restaurant presents when it calls back; compared in constant time. Configured ones win; the others are
/// random, made once and kept in the kitchens' store, so hosts that share it accept each other's callbacks.
/// </summary>
public sealed class RestaurantTokens
{
    private readonly Dictionary<string, byte[]> _tokens = new(StringComparer.Ordinal);

    public RestaurantTokens(IOptions<FoodOrderingOptions> options, Kitchen kitchen)
    {
        var stored = kitchen.CallbackTokens(() => Convert.ToHexString(RandomNumberGenerator.GetBytes(24)).ToLowerInvariant());
        foreach (var restaurant in Catalog.All)
        {
            var token = options.Value.RestaurantTokens.GetValueOrDefault(restaurant.Id) ?? stored[restaurant.Id];
            _tokens[restaurant.Id] = Encoding.UTF8.GetBytes(token);
        }
    }

    /// <summary>The token the point of sale sends for <paramref name="restaurantId"/>.</summary>
    public string For(string restaurantId) => Encoding.UTF8.GetString(_tokens[restaurantId]);

    public bool IsValid(string restaurantId, string? authorizationHeader)
    {
        if (authorizationHeader is null || !authorizationHeader.StartsWith("Bearer ", StringComparison.Ordinal) || !_tokens.TryGetValue(restaurantId, out var expected))
        {
            return false;
        }
        return CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(authorizationHeader["Bearer ".Length..].Trim()), expected);
    }
}
