using System.Globalization;
using OpenTelemetry.Exporter;
using OpenTelemetry.Trace;

namespace FoodOrdering.Telemetry;

/// <summary>
/// What the standard OpenTelemetry environment variables ask for. Export is off unless an OTLP endpoint is set,
/// so the embedded mode sends nothing anywhere. Headers, timeouts and the like are read by the exporter itself.
/// </summary>
public sealed record TelemetrySettings(string ServiceName, Uri? TracesEndpoint, Uri? MetricsEndpoint, OtlpExportProtocol Protocol, Sampler Sampler)
{
    public const string EndpointVariable = "OTEL_EXPORTER_OTLP_ENDPOINT";
    public const string ProtocolVariable = "OTEL_EXPORTER_OTLP_PROTOCOL";
    public const string ServiceNameVariable = "OTEL_SERVICE_NAME";

    /// <param name="variable">Looks a variable up (the environment, or a configuration that includes it).</param>
    /// <param name="defaultServiceName">The service name when OTEL_SERVICE_NAME is not set.</param>
    /// <param name="noisyRatio">The share of frequent spans (driver positions, polls) kept.</param>
    public static TelemetrySettings From(Func<string, string?> variable, string defaultServiceName, double noisyRatio)
    {
        string? Get(string name) => variable(name) is { Length: > 0 } value ? value.Trim() : null;
        var disabled = string.Equals(Get("OTEL_SDK_DISABLED"), "true", StringComparison.OrdinalIgnoreCase);
        var protocol = Get(ProtocolVariable) switch
        {
            null or "grpc" => OtlpExportProtocol.Grpc,
            "http/protobuf" => OtlpExportProtocol.HttpProtobuf,
            var other => throw new InvalidOperationException($"{ProtocolVariable} '{other}' is not supported; use grpc or http/protobuf."),
        };
        // As the specification says: a signal's own endpoint is used as is; the common one gets the signal's path over HTTP.
        Uri? EndpointOf(string signal, string path)
        {
            if (disabled || string.Equals(Get($"OTEL_{signal}_EXPORTER"), "none", StringComparison.OrdinalIgnoreCase))
            {
                return null;
            }
            if (Get($"OTEL_EXPORTER_OTLP_{signal}_ENDPOINT") is { } own)
            {
                return Absolute($"OTEL_EXPORTER_OTLP_{signal}_ENDPOINT", own);
            }
            return Get(EndpointVariable) is { } common
                ? Absolute(EndpointVariable, protocol == OtlpExportProtocol.HttpProtobuf ? common.TrimEnd('/') + "/" + path : common)
                : null;
        }
        return new TelemetrySettings(
            Get(ServiceNameVariable) ?? defaultServiceName,
            EndpointOf("TRACES", "v1/traces"),
            EndpointOf("METRICS", "v1/metrics"),
            protocol,
            new NoisySpanSampler(ConfiguredSampler(Get("OTEL_TRACES_SAMPLER"), Get("OTEL_TRACES_SAMPLER_ARG")), noisyRatio));
    }

    public bool ExportTraces => TracesEndpoint is not null;

    public bool ExportMetrics => MetricsEndpoint is not null;

    private static Uri Absolute(string variable, string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
            ? uri
            : throw new InvalidOperationException($"{variable} must be an absolute http(s) URL, not '{value}'.");

    /// <summary>The sampler named by OTEL_TRACES_SAMPLER (the specification's names), parent-based always-on by default.</summary>
    public static Sampler ConfiguredSampler(string? name, string? argument)
    {
        var ratio = double.TryParse(argument, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) && parsed is >= 0 and <= 1 ? parsed : 1.0;
        return name?.ToLowerInvariant() switch
        {
            null or "parentbased_always_on" => new ParentBasedSampler(new AlwaysOnSampler()),
            "always_on" => new AlwaysOnSampler(),
            "always_off" => new AlwaysOffSampler(),
            "traceidratio" => new TraceIdRatioBasedSampler(ratio),
            "parentbased_always_off" => new ParentBasedSampler(new AlwaysOffSampler()),
            "parentbased_traceidratio" => new ParentBasedSampler(new TraceIdRatioBasedSampler(ratio)),
            _ => throw new InvalidOperationException(
                $"OTEL_TRACES_SAMPLER '{name}' is not supported; use always_on, always_off, traceidratio, parentbased_always_on, parentbased_always_off or parentbased_traceidratio."),
        };
    }
}
