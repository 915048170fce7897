using System.Security.Cryptography;
using System.Text;

namespace FoodOrdering.Domain.Security;

/// <summary>
/// Tokens the host derives from its secret keys instead of storing them: an order's cancel token and a driver's
/// shift token. Each is an HMAC-SHA256 over what it grants, so it is valid for that order or that driver only,
/// needs no lookup to verify, and is compared in constant time. Rotating a key voids every token made with it.
/// </summary>
public sealed class ActorTokens(byte[] orderKey, byte[] driverKey)
{
    /// <summary>The header a driver's phone puts its shift token in on the "driver-updates" topic.</summary>
    public const string KafkaHeader = "driver-token";

    /// <summary>The customer's credential for cancelling order <paramref name="orderId"/>, returned when it is placed.</summary>
    public string ForOrder(string orderId) => Encode(Mac(orderKey, "order", orderId));

    public bool IsOrderToken(string orderId, string? token) => token is not null && Matches(ForOrder(orderId), token);

    /// <summary>A driver's token for one shift: "{shiftId}.{mac}"; the shift id is public, the mac proves the host issued it.</summary>
    public string ForDriver(string driverId, string shiftId) => $"{shiftId}.{Encode(Mac(driverKey, "driver", driverId + "\n" + shiftId))}";

    /// <summary>
    /// The shift id that a phone's own secret <paramref name="shiftKey"/> stands for: the phone can ask again for the shift it
    /// started (when the answer was lost) and get its token again; nobody without the key can.
    /// </summary>
    public string ShiftIdFor(string driverId, string shiftKey) => Encode(Mac(driverKey, "shift", driverId + "\n" + shiftKey))[..16];

    /// <summary>A fresh, random shift id.</summary>
    public static string NewShiftId() => Encode(RandomNumberGenerator.GetBytes(12));

    /// <summary>A fresh 256-bit secret, URL- and header-safe.</summary>
    public static string NewSecret() => Encode(RandomNumberGenerator.GetBytes(32));

    /// <summary>The shift id inside a driver token that the host issued to <paramref name="driverId"/>, or null when it did not.</summary>
    public string? DriverShift(string driverId, string? token)
    {
        var dot = token?.IndexOf('.', StringComparison.Ordinal) ?? -1;
        if (token is null || dot <= 0 || token.Length > 200)
        {
            return null;
        }
        var shiftId = token[..dot];
        return Matches(ForDriver(driverId, shiftId), token) ? shiftId : null;
    }

    public static bool Matches(string expected, string presented) =>
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(expected), Encoding.UTF8.GetBytes(presented));

    private static byte[] Mac(byte[] key, string purpose, string subject) => HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(purpose + "\n" + subject));

    private static string Encode(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
