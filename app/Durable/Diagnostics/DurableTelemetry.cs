using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Durable.Diagnostics;

/// <summary>The engine's ActivitySource and Meter, both named "Durable".</summary>
public static class DurableTelemetry
{
    public const string Name = "Durable";

    public static readonly ActivitySource Source = new(Name, "1.0.0");
    public static readonly Meter Meter = new(Name, "1.0.0");

    internal static readonly Counter<long> WorkflowsStarted = Meter.CreateCounter<long>("durable.workflows.started", description: "Workflow runs started.");
    internal static readonly Counter<long> WorkflowsClosed = Meter.CreateCounter<long>("durable.workflows.closed", description: "Workflow runs closed, by status.");
    internal static readonly Counter<long> WorkflowsStuck = Meter.CreateCounter<long>("durable.workflows.stuck", description: "Activations parked because the code threw a bug or broke determinism.");
    internal static readonly Counter<long> Activations = Meter.CreateCounter<long>("durable.activations", description: "Workflow activations committed.");
    internal static readonly Histogram<double> ActivationDuration = Meter.CreateHistogram<double>("durable.activation.duration", "ms", "Time to run and commit one activation.");
    internal static readonly Histogram<double> ActivityDuration = Meter.CreateHistogram<double>("durable.activity.duration", "ms", "Time to run one activity attempt.");
    internal static readonly Counter<long> ActivityAttempts = Meter.CreateCounter<long>("durable.activity.attempts", description: "Activity attempts, by outcome.");
    internal static readonly Counter<long> CacheHits = Meter.CreateCounter<long>("durable.cache.hits", description: "Activations served by the sticky cache.");
    internal static readonly Counter<long> CacheMisses = Meter.CreateCounter<long>("durable.cache.misses", description: "Activations that replayed history.");

    internal static ActivityContext ParentFrom(string? traceParent) =>
        traceParent is not null && ActivityContext.TryParse(traceParent, null, out var context) ? context : default;

    /// <summary>A span that is started and ended at once, for points in time of a workflow that outlive any process.</summary>
    internal static string? EmitPoint(string name, string? parentTraceParent, string workflowId, string runId, string type)
    {
        using var span = Source.StartActivity(name, ActivityKind.Internal, ParentFrom(parentTraceParent));
        if (span is null)
        {
            return parentTraceParent;
        }
        span.SetTag("durable.workflow.id", workflowId);
        span.SetTag("durable.run.id", runId);
        span.SetTag("durable.workflow.type", type);
        return span.Id;
    }
}
