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
    internal static readonly Counter<long> Activations = Meter.CreateCounter<long>("durable.activations",
        description: "Activation commits, by workflow type; activations chained into one commit by signal acknowledgements count once.");
    internal static readonly Histogram<double> ActivationDuration = Meter.CreateHistogram<double>("durable.activation.duration", "ms", "Time to run and commit one activation.");
    internal static readonly Histogram<double> ActivityDuration = Meter.CreateHistogram<double>("durable.activity.duration", "ms", "Time to run one activity attempt.");
    internal static readonly Counter<long> ActivityAttempts = Meter.CreateCounter<long>("durable.activity.attempts", description: "Activity attempts, by outcome.");
    internal static readonly Counter<long> CacheHits = Meter.CreateCounter<long>("durable.cache.hits", description: "Activations served by the sticky cache.");
    internal static readonly Counter<long> CacheMisses = Meter.CreateCounter<long>("durable.cache.misses", description: "Activations that replayed history.");
    internal static readonly Histogram<double> WorkflowDuration = Meter.CreateHistogram<double>("durable.workflow.duration", "ms", "Time from a run's start to its close, in engine time.");
    internal static readonly Counter<long> SignalsReceived = Meter.CreateCounter<long>("durable.signals.received", description: "Signals delivered to workflow activations.");
    internal static readonly UpDownCounter<long> ActiveTasks = Meter.CreateUpDownCounter<long>("durable.worker.tasks.active", description: "Workflow activations and activity attempts being processed, by kind.");
    internal static readonly Histogram<double> TaskWait = Meter.CreateHistogram<double>("durable.worker.task.wait", "ms",
        "Time a task waited between becoming due and being processed (the backlog, felt as latency), by kind.");

    /// <summary>Tag names shared by every span of the engine, so a trace is found from a workflow or run id.</summary>
    public const string WorkflowIdTag = "durable.workflow.id";
    public const string RunIdTag = "durable.run.id";
    public const string WorkflowTypeTag = "durable.workflow.type";

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
        span.SetTag(WorkflowIdTag, workflowId);
        span.SetTag(RunIdTag, runId);
        span.SetTag(WorkflowTypeTag, type);
        return span.Id;
    }

    /// <summary>
    /// The span of a signal handed to a workflow: a child of the receiving run's span (so it sits in that run's trace)
    /// with a link to the sender's span. A signal sent from an unsampled context (sampled-out driver positions)
    /// gets none, so frequent signals follow their sender's sampling decision.
    /// </summary>
    internal static void EmitSignal(HistoryEvent signal, string? workflowSpan, string workflowId, string runId, string type)
    {
        var sender = ParentFrom(signal.TraceParent);
        if (sender != default && (sender.TraceFlags & ActivityTraceFlags.Recorded) == 0)
        {
            return;
        }
        ActivityLink[]? links = sender == default ? null : [new ActivityLink(sender)];
        using var span = Source.StartActivity($"HandleSignal:{signal.Name}", ActivityKind.Consumer, ParentFrom(workflowSpan), links: links);
        span?.SetTag(WorkflowIdTag, workflowId);
        span?.SetTag(RunIdTag, runId);
        span?.SetTag(WorkflowTypeTag, type);
        span?.SetTag("durable.signal.name", signal.Name);
    }
}
