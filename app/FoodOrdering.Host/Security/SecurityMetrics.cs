using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace FoodOrdering.Host.Security;

/// <summary>Refused HTTP requests by reason, on meter "FoodOrdering.Security" (Kafka's dead letters are counted by the Kafka meter).</summary>
public static class SecurityMetrics
{
    public const string MeterName = "FoodOrdering.Security";

    public const string Unauthorized = "unauthorized";
    public const string RateLimited = "rate_limited";
    public const string BodyTooLarge = "body_too_large";
    public const string InvalidInput = "invalid_input";
    public const string TooManyStreams = "too_many_streams";

    private static readonly Meter Meter = new(MeterName);
    private static readonly Counter<long> Rejected = Meter.CreateCounter<long>("foodordering.security.rejected", "{request}",
        "HTTP requests refused: missing or wrong credentials, rate limits, oversized bodies, invalid input, too many streams.");

    public static void Reject(string reason) => Rejected.Add(1, new TagList { { "reason", reason } });
}
