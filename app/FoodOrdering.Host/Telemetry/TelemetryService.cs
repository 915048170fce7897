using System.Diagnostics;
using FoodOrdering.Telemetry;
using OpenTelemetry;

namespace FoodOrdering.Host.Telemetry;

/// <summary>
/// Owns the OpenTelemetry providers for the host's lifetime. Registered before everything else, so it starts
/// first (spans of the first orders are kept) and stops last (the last spans are flushed). Taking the metrics
/// summary makes it listen from the start too.
/// </summary>
public sealed partial class TelemetryService(TelemetrySettings settings, IEnumerable<BaseProcessor<Activity>> processors, MetricsSummary summary,
    ILogger<TelemetryService> logger) : IHostedService, IDisposable
{
    public MetricsSummary Summary { get; } = summary;

    private TelemetryPipeline? _pipeline;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _pipeline = TelemetryPipeline.Start(settings, [.. processors]);
        if (settings.ExportTraces || settings.ExportMetrics)
        {
            LogExporting(settings.ServiceName, settings.Protocol, settings.TracesEndpoint, settings.MetricsEndpoint);
        }
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        Dispose();
        return Task.CompletedTask;
    }

    /// <summary>Once, whoever asks first: the host's stop and the container's disposal both call it.</summary>
    public void Dispose() => Interlocked.Exchange(ref _pipeline, null)?.Dispose();

    [LoggerMessage(Level = LogLevel.Information, Message = "OpenTelemetry: exporting as {Service} over {Protocol}: traces to {TracesEndpoint}, metrics to {MetricsEndpoint}")]
    private partial void LogExporting(string service, OpenTelemetry.Exporter.OtlpExportProtocol protocol, Uri? tracesEndpoint, Uri? metricsEndpoint);
}
