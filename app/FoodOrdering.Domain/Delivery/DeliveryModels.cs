using FoodOrdering.Domain.Geo;

namespace FoodOrdering.Domain.Delivery;

public sealed record DeliveryRequest(
    string DeliveryId,
    string OrderId,
    string RegionId,
    string RestaurantId,
    GeoPoint RestaurantLocation,
    GeoPoint CustomerLocation,
    string OrderWorkflowId,
    TimeSpan DriverTimeout);

public enum DeliveryOutcome
{
    Delivered,
    NoDriver,
    DriverLost,
}

public sealed record DeliveryResult(DeliveryOutcome Outcome, string? DriverId, DateTimeOffset At, string? Reason);

/// <summary>A job as the driver's twin and phone see it.</summary>
public sealed record DeliveryJob(
    string DeliveryId,
    string OrderId,
    string RestaurantId,
    GeoPoint RestaurantLocation,
    GeoPoint CustomerLocation,
    bool PickedUp = false);

/// <summary>Signal names of the delivery workflow.</summary>
public static class DeliverySignals
{
    public const string DriverAssigned = "driver-assigned";
    public const string Driver = "driver";
}

/// <summary>Signal "driver-assigned" from the region's matcher.</summary>
public sealed record DriverAssigned(string DriverId, GeoPoint DriverLocation, double SpeedMetersPerSecond);

/// <summary>Signal "driver" from the driver's twin: where the driver is and what happened.</summary>
public sealed record DriverReport(DriverReportKind Kind, GeoPoint Location, DateTimeOffset At);

public enum DriverReportKind
{
    Moved,
    PickedUp,
    Delivered,
    /// <summary>The driver ended the shift or refused: the delivery asks the matcher again.</summary>
    Abandoned,
}

public static class Eta
{
    /// <summary>Driver to restaurant to customer before pickup, driver to customer after.</summary>
    public static DateTimeOffset Estimate(DateTimeOffset now, GeoPoint driver, GeoPoint restaurant, GeoPoint customer, bool pickedUp, double speedMetersPerSecond)
    {
        var meters = pickedUp ? driver.DistanceTo(customer) : driver.DistanceTo(restaurant) + restaurant.DistanceTo(customer);
        return now + TimeSpan.FromSeconds(meters / Math.Max(0.1, speedMetersPerSecond));
    }
}
