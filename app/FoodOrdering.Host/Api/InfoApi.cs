using System.Reflection;
using System.Runtime.InteropServices;
using Durable.Hosting;
using FoodOrdering.Host.Telemetry;
using FoodOrdering.Kafka;
using FoodOrdering.Telemetry;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace FoodOrdering.Host.Api;

public sealed record KafkaInfo(string BootstrapServers, bool Embedded, string OrdersTopic, string DriverUpdatesTopic);

/// <summary>Where this host's spans and metrics go; <paramref name="JaegerUiUrl"/> lets the run inspector link a run's trace.</summary>
public sealed record TelemetryInfo(string ServiceName, bool ExportingTraces, bool ExportingMetrics, string Protocol, Uri? JaegerUiUrl);

/// <param name="Store">The engine's store: "SQLite {file}" or "PostgreSQL {host}:{port}/{database}" (never credentials).</param>
public sealed record HostInfo(string Name, string Version, string Environment, string Runtime, string Store, bool WorkerEnabled, KafkaInfo Kafka, double TimeScale,
    TelemetryInfo Telemetry);

public static class InfoApi
{
    public static IEndpointRouteBuilder MapInfoApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/info", GetInfo).WithTags("Host").WithName("GetHostInfo").WithSummary("What this host is and where it keeps its state.");
        return app;
    }

    internal static Ok<HostInfo> GetInfo(IHostEnvironment environment, IOptions<DurableOptions> durable, KafkaCluster cluster, IOptions<KafkaOptions> kafka, TimeProvider time,
        TelemetrySettings telemetry, IOptions<TelemetryOptions> telemetryOptions) =>
        TypedResults.Ok(new HostInfo(
            "FoodOrdering",
            typeof(InfoApi).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown",
            environment.EnvironmentName,
            RuntimeInformation.FrameworkDescription,
            Describe(durable.Value),
            durable.Value.WorkerEnabled,
            // Other processes (the driver simulator, kcat) find the embedded broker here.
            new KafkaInfo(cluster.BootstrapServers, cluster.IsEmbedded, kafka.Value.OrdersTopic, kafka.Value.DriverUpdatesTopic),
            time is Durable.ScaledTimeProvider scaled ? scaled.Scale : 1,
            new TelemetryInfo(telemetry.ServiceName, telemetry.ExportTraces, telemetry.ExportMetrics,
                telemetry.Protocol == OpenTelemetry.Exporter.OtlpExportProtocol.HttpProtobuf ? "http/protobuf" : "grpc", telemetryOptions.Value.JaegerUiUrl)));

    private static string Describe(DurableOptions options)
    {
        if (options.Store != DurableStoreKind.Postgres)
        {
            return $"SQLite {Path.GetFullPath(options.StorePath)}";
        }
        var connection = new Npgsql.NpgsqlConnectionStringBuilder(options.ConnectionString);
        return $"PostgreSQL {connection.Host}:{connection.Port}/{connection.Database}";
    }
}
