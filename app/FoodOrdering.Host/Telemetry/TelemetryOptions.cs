using System.ComponentModel.DataAnnotations;

namespace FoodOrdering.Host.Telemetry;

/// <summary>Configuration section "Telemetry"; the exporter itself is configured by the standard OTEL_* variables.</summary>
public sealed class TelemetryOptions
{
    public const string SectionName = "Telemetry";

    /// <summary>The Jaeger UI's address (e.g. http://localhost:16686); the run inspector links a run's trace there.</summary>
    public Uri? JaegerUiUrl { get; set; }

    /// <summary>The share of driver-position and polling spans kept (the rest of an order's trace is not affected).</summary>
    [Range(0.0, 1.0)]
    public double FrequentSpansSampleRatio { get; set; } = 0.05;
}
