using System.Reflection;
using System.Runtime.InteropServices;
using Durable.Hosting;
using FoodOrdering.Kafka;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace FoodOrdering.Host.Api;

public sealed record KafkaInfo(string BootstrapServers, bool Embedded, string OrdersTopic, string DriverUpdatesTopic);

public sealed record HostInfo(string Name, string Version, string Environment, string Runtime, string StorePath, bool WorkerEnabled, KafkaInfo Kafka, double TimeScale);

public static class InfoApi
{
    public static IEndpointRouteBuilder MapInfoApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/info", GetInfo).WithTags("Host").WithName("GetHostInfo").WithSummary("What this host is and where it keeps its state.");
        return app;
    }

    internal static Ok<HostInfo> GetInfo(IHostEnvironment environment, IOptions<DurableOptions> durable, KafkaCluster cluster, IOptions<KafkaOptions> kafka, TimeProvider time) =>
        TypedResults.Ok(new HostInfo(
            "FoodOrdering",
            typeof(InfoApi).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown",
            environment.EnvironmentName,
            RuntimeInformation.FrameworkDescription,
            Path.GetFullPath(durable.Value.StorePath),
            durable.Value.WorkerEnabled,
            // Other processes (the driver simulator, kcat) find the embedded broker here.
            new KafkaInfo(cluster.BootstrapServers, cluster.IsEmbedded, kafka.Value.OrdersTopic, kafka.Value.DriverUpdatesTopic),
            time is Durable.ScaledTimeProvider scaled ? scaled.Scale : 1));
}
