namespace FoodOrdering.Domain.Geo;

/// <summary>A delivery region: one matcher, its own drivers, restaurants within <see cref="RadiusMeters"/> of the center.</summary>
public sealed record Region(string Id, string Name, GeoPoint Center, double RadiusMeters)
{
    public string MatcherWorkflowId => $"matcher-{Id}";

    /// <summary>A point in the region chosen by two numbers in [0, 1): stable for the same inputs.</summary>
    public GeoPoint PointAt(double radiusFraction, double angleFraction) =>
        Center.Offset(RadiusMeters * Math.Sqrt(radiusFraction), 360 * angleFraction);
}

public static class Regions
{
    public static readonly Region SanJose = new("san-jose", "San Jose (CA)", new GeoPoint(37.3382, -121.8863), 6_000);
    public static readonly Region Berlin = new("berlin", "Berlin", new GeoPoint(52.5200, 13.4050), 7_000);
    public static readonly Region Amsterdam = new("amsterdam", "Amsterdam", new GeoPoint(52.3676, 4.9041), 5_000);

    public static readonly IReadOnlyList<Region> All = [SanJose, Berlin, Amsterdam];

    public static Region? Find(string id) => All.FirstOrDefault(r => string.Equals(r.Id, id, StringComparison.Ordinal));
}
