namespace FoodOrdering.Host.Telemetry;

public static class MetricsApi
{
    public static IEndpointRouteBuilder MapMetricsApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/metrics", (MetricsSummary summary) => TypedResults.Ok(summary.Snapshot())).WithTags("Host").WithName("GetMetrics")
            .WithSummary("This process's metrics: orders by status, signals per second, cache hits, task backlog, Kafka lag, and every series with rates and latency percentiles.");
        return app;
    }
}
