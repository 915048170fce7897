using System.Diagnostics;
using FoodOrdering.Telemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Trace;

namespace FoodOrdering.Tests;

public sealed class TelemetrySettingsTests
{
    private static TelemetrySettings From(params (string Name, string Value)[] variables) =>
        TelemetrySettings.From(name => variables.FirstOrDefault(v => v.Name == name).Value, "test-service", 0.0);

    [Fact]
    public void From_NoVariables_ExportsNothing()
    {
        var settings = From();
        Assert.False(settings.ExportTraces);
        Assert.False(settings.ExportMetrics);
        Assert.Equal("test-service", settings.ServiceName);
    }

    [Fact]
    public void From_HttpProtobufEndpoint_AppendsEachSignalsPath()
    {
        var settings = From(("OTEL_EXPORTER_OTLP_ENDPOINT", "http://jaeger:4318/"), ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"), ("OTEL_SERVICE_NAME", "svc"));
        Assert.Equal(new Uri("http://jaeger:4318/v1/traces"), settings.TracesEndpoint);
        Assert.Equal(new Uri("http://jaeger:4318/v1/metrics"), settings.MetricsEndpoint);
        Assert.Equal(OtlpExportProtocol.HttpProtobuf, settings.Protocol);
        Assert.Equal("svc", settings.ServiceName);
    }

    [Fact]
    public void From_GrpcEndpointWithMetricsOff_ExportsTracesToTheEndpointAsIs()
    {
        var settings = From(("OTEL_EXPORTER_OTLP_ENDPOINT", "http://jaeger:4317"), ("OTEL_METRICS_EXPORTER", "none"));
        Assert.Equal(new Uri("http://jaeger:4317"), settings.TracesEndpoint);
        Assert.Null(settings.MetricsEndpoint);
        Assert.Equal(OtlpExportProtocol.Grpc, settings.Protocol);
    }

    [Fact]
    public void From_SdkDisabled_ExportsNothing() =>
        Assert.False(From(("OTEL_EXPORTER_OTLP_ENDPOINT", "http://jaeger:4317"), ("OTEL_SDK_DISABLED", "true")).ExportTraces);

    [Theory]
    [InlineData("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json", "grpc or http/protobuf")]
    [InlineData("OTEL_TRACES_SAMPLER", "jaeger_remote", "is not supported")]
    [InlineData("OTEL_EXPORTER_OTLP_ENDPOINT", "jaeger:4317", "absolute http(s) URL")]
    public void From_UnsupportedValue_ThrowsNamingTheVariable(string name, string value, string message)
    {
        var error = Assert.Throws<InvalidOperationException>(() => From((name, value)));
        Assert.Contains(name, error.Message, StringComparison.Ordinal);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("process driver-updates", ActivityKind.Consumer, null)]
    [InlineData("send driver-updates", ActivityKind.Producer, null)]
    [InlineData("GET", ActivityKind.Server, "/api/drivers/driver-1/assignment")]
    [InlineData("GET", ActivityKind.Server, "/health")]
    public void ShouldSample_FrequentSpanUnderASampledParent_FollowsTheFrequentSpansRatio(string name, ActivityKind kind, string? path)
    {
        var parent = new ActivityContext(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded);
        var tags = path is null ? null : new[] { new KeyValuePair<string, object?>("url.path", path) };
        var parameters = new SamplingParameters(parent, parent.TraceId, name, kind, tags);
        Assert.Equal(SamplingDecision.Drop, new NoisySpanSampler(new AlwaysOnSampler(), 0.0).ShouldSample(parameters).Decision);
        Assert.Equal(SamplingDecision.RecordAndSample, new NoisySpanSampler(new AlwaysOffSampler(), 1.0).ShouldSample(parameters).Decision);
    }

    [Fact]
    public void ShouldSample_OrderSpans_LeftToTheConfiguredSampler()
    {
        var parameters = new SamplingParameters(default, ActivityTraceId.CreateRandom(), "send orders", ActivityKind.Producer,
            [new KeyValuePair<string, object?>("url.path", "/api/orders")]);
        Assert.Equal(SamplingDecision.RecordAndSample, new NoisySpanSampler(new AlwaysOnSampler(), 0.0).ShouldSample(parameters).Decision);
        Assert.Equal(SamplingDecision.Drop, new NoisySpanSampler(new AlwaysOffSampler(), 1.0).ShouldSample(parameters).Decision);
    }
}
