using System.Collections.Concurrent;
using System.Diagnostics;
using OpenTelemetry;

namespace FoodOrdering.Tests;

/// <summary>An exporter that keeps the spans it is given, in memory, for assertions.</summary>
public sealed class SpanCollector : BaseExporter<Activity>
{
    private readonly ConcurrentQueue<Activity> _spans = new();

    public override ExportResult Export(in Batch<Activity> batch)
    {
        foreach (var span in batch)
        {
            _spans.Enqueue(span);
        }
        return ExportResult.Success;
    }

    public IReadOnlyList<Activity> InTrace(ActivityTraceId traceId) => [.. _spans.Where(s => s.TraceId == traceId)];

    public IReadOnlyList<Activity> Where(Func<Activity, bool> predicate) => [.. _spans.Where(predicate)];
}
