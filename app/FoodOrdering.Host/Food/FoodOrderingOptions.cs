using System.ComponentModel.DataAnnotations;
using FoodOrdering.Domain.Storage;

namespace FoodOrdering.Host.Food;

/// <summary>Configuration section "FoodOrdering".</summary>
public sealed class FoodOrderingOptions
{
    public const string SectionName = "FoodOrdering";

    /// <summary>Where this app is reachable by the restaurants' callbacks (and the external stubs it hosts).</summary>
    [Required]
    public Uri PublicBaseUrl { get; set; } = new("http://localhost:3000/");

    /// <summary>The payment provider; the stub served by this host under /payments-provider/ by default.</summary>
    public Uri? PaymentsBaseUrl { get; set; }

    /// <summary>The restaurants' point-of-sale system; the simulator served by this host under /pos/ by default.</summary>
    public Uri? PointOfSaleBaseUrl { get; set; }

    /// <summary>Folder of the payment ledger and the kitchen's files.</summary>
    [Required]
    public string DataDirectory { get; set; } = "data";

    /// <summary>Bearer token per restaurant id for the "prepared" callback; a random one is made for each restaurant left out.</summary>
    public Dictionary<string, string> RestaurantTokens { get; set; } = [];

    /// <summary>Charges above this are declined by the payment stub.</summary>
    [Range(0, 1_000_000)]
    public decimal PaymentLimit { get; set; } = 1_000m;

    /// <summary>Orders whose id contains this are declined by the payment stub (empty: never).</summary>
    public string DeclineMarker { get; set; } = "decline";

    /// <summary>How many times faster than real time the whole system runs (simulations; 1 in production). The driver simulator reads it from /api/info.</summary>
    [Range(0.001, 10_000)]
    public double TimeScale { get; set; } = 1;

    /// <summary>
    /// The real instant from which scaled time runs (see <see cref="TimeScale"/>). Give every host that shares a
    /// store the same epoch, so they (and a host after a restart) agree on the time; without it each process's
    /// scaled clock starts when the process does.
    /// </summary>
    public DateTimeOffset? TimeScaleEpoch { get; set; }

    /// <summary>
    /// Where the payment ledger and the kitchens keep their state: SQLite files in <see cref="DataDirectory"/>, or
    /// PostgreSQL tables shared by several hosts. Unset, it follows the engine's <c>Durable:Store</c>.
    /// </summary>
    public DomainStore? Store { get; set; }

    /// <summary>The PostgreSQL connection string of the ledger and the kitchens; unset, the engine's <c>Durable:ConnectionString</c>.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>
    /// The simulated kitchens' preparation time as a multiple of the menu's (each dish's prep time, at least 1 s an order).
    /// 0 makes every order ready the moment the point of sale accepts it, with no cook and no queue: the rest of the
    /// system measured without the kitchen's time (the end-to-end benchmark). Scaled time (<see cref="TimeScale"/>) applies on top.
    /// </summary>
    [Range(0, 1_000)]
    public double KitchenPrepTimeFactor { get; set; } = 1;

    /// <summary>Serve the simulated external systems (payment provider, point of sale) from this host.</summary>
    public bool HostExternalSystems { get; set; } = true;

    public Uri Payments => PaymentsBaseUrl ?? new Uri(PublicBaseUrl, "payments-provider/");

    public Uri PointOfSale => PointOfSaleBaseUrl ?? new Uri(PublicBaseUrl, "pos/");
}
