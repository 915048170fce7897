using FoodOrdering.Telemetry;
using Microsoft.Extensions.Options;

namespace FoodOrdering.Host.Telemetry;

public static class TelemetryExtensions
{
    public const string DefaultServiceName = "foodordering-host";

    /// <summary>
    /// OpenTelemetry (spans of every request, Kafka record, workflow, activity and signal; the metrics), exported
    /// over OTLP when the OTEL_* variables name an endpoint and off otherwise; the in-process metrics summary.
    /// Call it first, so its hosted service starts before the engine and the consumers.
    /// </summary>
    public static IHostApplicationBuilder AddTelemetry(this IHostApplicationBuilder builder)
    {
        // ASP.NET Core (10) then names its server spans "{method} {route}" and gives them the HTTP semantic-convention
        // attributes (method, path, route, status) itself, the path already at creation for the sampler.
        AppContext.SetSwitch("Microsoft.AspNetCore.Hosting.SuppressActivityOpenTelemetryData", false);
        builder.Services.AddOptions<TelemetryOptions>().BindConfiguration(TelemetryOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton(sp => TelemetrySettings.From(name => builder.Configuration[name], DefaultServiceName,
            sp.GetRequiredService<IOptions<TelemetryOptions>>().Value.FrequentSpansSampleRatio));
        builder.Services.AddHostedService<TelemetryService>();
        builder.Services.AddSingleton<MetricsSummary>();
        builder.Services.AddSingleton<OrderMetrics>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<OrderMetrics>());
        return builder;
    }
}
