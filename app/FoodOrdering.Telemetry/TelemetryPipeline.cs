using System.Diagnostics;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace FoodOrdering.Telemetry;

/// <summary>
/// The OpenTelemetry SDK's providers, built by hand (no hosting package): the engine's, Kafka's and the food
/// system's sources and meters, plus the built-in ones of ASP.NET Core and HttpClient. The caller owns them.
/// </summary>
public sealed class TelemetryPipeline : IDisposable
{
    /// <summary>Spans: the engine, Kafka, the simulator, and .NET's own HTTP server and client spans.</summary>
    public static readonly string[] Sources = ["Durable", "FoodOrdering.Kafka", "FoodOrdering", "FoodOrdering.DriverSimulator", "Microsoft.AspNetCore", "System.Net.Http"];

    /// <summary>Metrics: ours, and .NET's HTTP server and client metrics.</summary>
    public static readonly string[] Meters = ["Durable", "FoodOrdering", "FoodOrdering.Kafka", "Microsoft.AspNetCore.Hosting", "System.Net.Http"];

    private TelemetryPipeline(TracerProvider? tracing, MeterProvider? metrics)
    {
        Tracing = tracing;
        Metrics = metrics;
    }

    public TracerProvider? Tracing { get; }

    public MeterProvider? Metrics { get; }

    /// <summary>Builds what is asked for: OTLP export when configured, and any extra span processors (tests' in-memory exporters).</summary>
    public static TelemetryPipeline Start(TelemetrySettings settings, IReadOnlyCollection<BaseProcessor<Activity>>? processors = null)
    {
        processors ??= [];
        var resource = ResourceBuilder.CreateDefault().AddService(settings.ServiceName, serviceVersion: typeof(TelemetryPipeline).Assembly.GetName().Version?.ToString());
        TracerProvider? tracing = null;
        if (settings.ExportTraces || processors.Count > 0)
        {
            var builder = Sdk.CreateTracerProviderBuilder()
                .SetResourceBuilder(resource)
                .SetSampler(settings.Sampler)
                .AddSource(Sources);
            foreach (var processor in processors)
            {
                builder.AddProcessor(processor);
            }
            if (settings.ExportTraces)
            {
                builder.AddOtlpExporter(o => Configure(o, settings.TracesEndpoint!, settings));
            }
            tracing = builder.Build();
        }
        var metrics = settings.ExportMetrics
            ? Sdk.CreateMeterProviderBuilder().SetResourceBuilder(resource).AddMeter(Meters)
                .AddOtlpExporter(o => Configure(o, settings.MetricsEndpoint!, settings)).Build()
            : null;
        return new TelemetryPipeline(tracing, metrics);
    }

    private static void Configure(OtlpExporterOptions options, Uri endpoint, TelemetrySettings settings)
    {
        options.Endpoint = endpoint;
        options.Protocol = settings.Protocol;
    }

    /// <summary>Sends what is still buffered, then stops.</summary>
    public void Dispose()
    {
        Tracing?.ForceFlush(5_000);
        Metrics?.ForceFlush(5_000);
        Tracing?.Dispose();
        Metrics?.Dispose();
    }
}
