namespace FoodOrdering.Domain.Geo;

/// <summary>A position in degrees (WGS 84).</summary>
public readonly record struct GeoPoint(double Lat, double Lon)
{
    private const double EarthRadiusMeters = 6_371_000;

    public double DistanceTo(GeoPoint other)
    {
        var dLat = ToRadians(other.Lat - Lat);
        var dLon = ToRadians(other.Lon - Lon);
        var a = Math.Sin(dLat / 2) * Math.Sin(dLat / 2)
            + Math.Cos(ToRadians(Lat)) * Math.Cos(ToRadians(other.Lat)) * Math.Sin(dLon / 2) * Math.Sin(dLon / 2);
        return 2 * EarthRadiusMeters * Math.Asin(Math.Min(1, Math.Sqrt(a)));
    }

    /// <summary>The point reached after moving <paramref name="meters"/> straight toward <paramref name="target"/> (never past it).</summary>
    public GeoPoint MoveToward(GeoPoint target, double meters)
    {
        var distance = DistanceTo(target);
        if (distance <= meters || distance == 0)
        {
            return target;
        }
        var fraction = meters / distance;
        return new GeoPoint(Lat + (target.Lat - Lat) * fraction, Lon + (target.Lon - Lon) * fraction);
    }

    /// <summary>A point at a given distance and bearing, for spreading restaurants, customers and drivers over a region.</summary>
    public GeoPoint Offset(double meters, double bearingDegrees)
    {
        var bearing = ToRadians(bearingDegrees);
        var dLat = meters * Math.Cos(bearing) / EarthRadiusMeters;
        var dLon = meters * Math.Sin(bearing) / (EarthRadiusMeters * Math.Cos(ToRadians(Lat)));
        return new GeoPoint(Lat + dLat * 180 / Math.PI, Lon + dLon * 180 / Math.PI);
    }

    [System.Text.Json.Serialization.JsonIgnore]
    public bool IsValid => Lat is >= -90 and <= 90 && Lon is >= -180 and <= 180 && double.IsFinite(Lat) && double.IsFinite(Lon);

    private static double ToRadians(double degrees) => degrees * Math.PI / 180;
}
