using System.Diagnostics;
using OpenTelemetry.Trace;

namespace FoodOrdering.Telemetry;

/// <summary>
/// Keeps a share of the spans that come every second from every driver (positions on "driver-updates",
/// assignment polls and their HTTP calls) and leaves everything else to the configured sampler. The decision
/// hangs on the trace id, so the simulator and the host keep the same positions, and everything a dropped
/// position causes downstream (the twin's and the delivery's signals) follows it out.
/// </summary>
public sealed class NoisySpanSampler : Sampler
{
    public const string DriverUpdatesTopic = "driver-updates";

    private readonly Sampler _inner;
    private readonly Sampler _noisy;

    public NoisySpanSampler(Sampler inner, double ratio)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(ratio, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(ratio, 1);
        _inner = inner;
        _noisy = new TraceIdRatioBasedSampler(ratio);
        Description = $"NoisySpanSampler{{{inner.Description}, frequent spans {ratio}}}";
    }

    public override SamplingResult ShouldSample(in SamplingParameters samplingParameters) =>
        IsNoisy(samplingParameters) ? _noisy.ShouldSample(samplingParameters) : _inner.ShouldSample(samplingParameters);

    private static bool IsNoisy(in SamplingParameters parameters)
    {
        if (parameters.Name is "send " + DriverUpdatesTopic or "process " + DriverUpdatesTopic)
        {
            return true;
        }
        // HTTP spans carry their path at creation (server) or their URL (client): the phones' position posts and
        // assignment polls, and health probes, are frequent and tell nothing alone.
        if (parameters.Kind is ActivityKind.Server or ActivityKind.Client && parameters.Tags is { } tags)
        {
            foreach (var tag in tags)
            {
                if (tag.Key is "url.path" or "url.full" && tag.Value is string url)
                {
                    var path = url.AsSpan();
                    var query = path.IndexOf('?');
                    path = query >= 0 ? path[..query] : path;
                    return path.EndsWith("/assignment", StringComparison.Ordinal) || path.EndsWith("/location", StringComparison.Ordinal)
                        || path.EndsWith("/health", StringComparison.Ordinal);
                }
            }
        }
        return false;
    }
}
