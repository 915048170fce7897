using System.Text.Json.Serialization;
using FoodOrdering.Domain.Delivery;
using FoodOrdering.Domain.Geo;

namespace FoodOrdering.Domain.Drivers;

[JsonConverter(typeof(JsonStringEnumConverter<DriverState>))]
public enum DriverState
{
    [JsonStringEnumMemberName("IDLE")] Idle,
    [JsonStringEnumMemberName("WAITING_FOR_WORK")] WaitingForWork,
    [JsonStringEnumMemberName("DELIVERING")] Delivering,
}

/// <summary>Everything the twin knows; its custom status, and its input when it continues as new.</summary>
public sealed record DriverTwinState
{
    public required string DriverId { get; init; }
    public DriverState State { get; init; } = DriverState.Idle;
    public string? RegionId { get; init; }
    public GeoPoint? Location { get; init; }
    public DateTimeOffset? LocationAt { get; init; }
    public double SpeedMetersPerSecond { get; init; } = DriverDefaults.SpeedMetersPerSecond;
    public DeliveryJob? Job { get; init; }
    public int DeliveriesCompleted { get; init; }
    public long EventsHandled { get; init; }
    /// <summary>The last request refused because of the driver's state, with the reason.</summary>
    public string? LastRejection { get; init; }
    /// <summary>The current shift's id (public); the phone's token is bound to it, so a new shift voids older tokens.</summary>
    public string? ShiftId { get; init; }
}

public static class DriverDefaults
{
    public const double SpeedMetersPerSecond = 10;
    /// <summary>Events handled by one run of a twin before it continues as new (bounds its history).</summary>
    public const int EventsPerRun = 500;
}

/// <summary>Signal "event" of the twin: one signal name for everything, so events keep their order.</summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "kind")]
[JsonDerivedType(typeof(ShiftStarted), "shift-started")]
[JsonDerivedType(typeof(ShiftEnded), "shift-ended")]
[JsonDerivedType(typeof(LocationUpdated), "location")]
[JsonDerivedType(typeof(JobAssigned), "job-assigned")]
[JsonDerivedType(typeof(PickedUp), "picked-up")]
[JsonDerivedType(typeof(Delivered), "delivered")]
public abstract record DriverEvent;

public sealed record ShiftStarted(string RegionId, GeoPoint? Location, double? SpeedMetersPerSecond = null, string? ShiftId = null) : DriverEvent;

public sealed record ShiftEnded : DriverEvent;

public sealed record LocationUpdated(GeoPoint Location, DateTimeOffset At) : DriverEvent;

public sealed record JobAssigned(DeliveryJob Job) : DriverEvent;

public sealed record PickedUp(string DeliveryId) : DriverEvent;

public sealed record Delivered(string DeliveryId) : DriverEvent;

public static class DriverSignals
{
    public const string Event = "event";

    public static string WorkflowId(string driverId) => $"driver-{driverId}";
}

/// <summary>Signal "event" of a region's matcher.</summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "kind")]
[JsonDerivedType(typeof(DriverAvailable), "driver-available")]
[JsonDerivedType(typeof(DriverWithdrawn), "driver-withdrawn")]
[JsonDerivedType(typeof(DriverRequested), "driver-requested")]
[JsonDerivedType(typeof(RequestWithdrawn), "request-withdrawn")]
public abstract record MatcherEvent;

public sealed record DriverAvailable(string DriverId, GeoPoint Location, double SpeedMetersPerSecond) : MatcherEvent;

public sealed record DriverWithdrawn(string DriverId) : MatcherEvent;

public sealed record DriverRequested(string DeliveryId, GeoPoint RestaurantLocation, DateTimeOffset At) : MatcherEvent;

public sealed record RequestWithdrawn(string DeliveryId) : MatcherEvent;

public sealed record WaitingDriver(string DriverId, GeoPoint Location, double SpeedMetersPerSecond, long Since);

public sealed record PendingDelivery(string DeliveryId, GeoPoint RestaurantLocation, DateTimeOffset At, long Since);

/// <summary>The matcher's state: its input when it continues as new.</summary>
public sealed record MatcherState
{
    public required string RegionId { get; init; }
    public IReadOnlyList<WaitingDriver> Drivers { get; init; } = [];
    public IReadOnlyList<PendingDelivery> Pending { get; init; } = [];
    public long Assignments { get; init; }
    public long Counter { get; init; }

    public MatcherStatus ToStatus() => new(RegionId, [.. Drivers.Select(d => d.DriverId)], Pending.Count, Assignments);
}

/// <summary>
/// The matcher's custom status: the waiting drivers' ids and the number of pending deliveries, not the full lists. A status
/// is stored and fed to the change feed whenever it changes; with every pending delivery and every driver's position in it,
/// it grew to tens of kilobytes at each round under load. The full lists are in the history and the continue-as-new input.
/// </summary>
public sealed record MatcherStatus(string RegionId, IReadOnlyList<string> WaitingDrivers, int PendingDeliveries, long Assignments);

public static class MatcherSignals
{
    public const string Event = "event";
}
