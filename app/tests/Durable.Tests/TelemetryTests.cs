using System.Collections.Concurrent;
using System.Diagnostics;
using Durable.Diagnostics;
using Durable.Tests.Workflows;

namespace Durable.Tests;

[Collection(GlobalListenerCollection.Name)]
public sealed class TelemetryTests
{
    [Fact]
    public async Task StartAsync_WorkflowWithActivitiesReplayedAndRestarted_OneTraceWithOneRunWorkflowSpan()
    {
        using var spans = new SpanRecorder();
        // No cache, and a restart in the middle: every activation after the first replays the workflow.
        await using var env = await TestEnvironment.StartAsync(StoreKind.Sqlite, b => b.AddWorkflow<TracedWorkflow>(), options: o => o.CacheCapacity = 0);

        await env.Client.StartAsync<TracedWorkflow, string, string>("traced-1", "a");
        await Wait.ForEventAsync(env, "traced-1", HistoryEventType.ActivityCompleted);
        await env.RestartAsync();
        await env.Client.SignalAsync("traced-1", TracedWorkflow.Go, "b");
        Assert.Equal("ab", await Wait.ForResultAsync<string>(env, "traced-1"));

        var start = spans.Single($"StartWorkflow:{nameof(TracedWorkflow)}", "traced-1");
        // The close is committed (and visible to the client) just before its span is emitted.
        var trace = await Wait.UntilAsync(env, () => Task.FromResult(spans.InTrace(start.TraceId)),
            t => t.Any(s => s.DisplayName.StartsWith("CompleteWorkflow:", StringComparison.Ordinal)), "the CompleteWorkflow span");
        Assert.Single(trace, s => s.DisplayName == $"RunWorkflow:{nameof(TracedWorkflow)}");
        Assert.Equal(2, trace.Count(s => s.DisplayName == "RunActivity:EchoActivities.Echo"));
        Assert.Single(trace, s => s.DisplayName == $"CompleteWorkflow:{nameof(TracedWorkflow)}");
        // Everything the engine did for this workflow is in that one trace.
        Assert.All(spans.ForWorkflow("traced-1").Where(s => !s.DisplayName.StartsWith("SignalWorkflow:", StringComparison.Ordinal)),
            s => Assert.Equal(start.TraceId, s.TraceId));
        var runWorkflow = trace.Single(s => s.DisplayName.StartsWith("RunWorkflow:", StringComparison.Ordinal));
        Assert.Equal(start.SpanId, runWorkflow.ParentSpanId);
        Assert.All(trace.Where(s => s.DisplayName.StartsWith("RunActivity:", StringComparison.Ordinal)), s => Assert.Equal(runWorkflow.SpanId, s.ParentSpanId));
        Assert.Equal(start.TraceId.ToHexString(), (await env.Client.DescribeAsync("traced-1"))!.TraceId);
        var history = await Wait.ReplaysAsync<TracedWorkflow>(env, "traced-1");
        Assert.Equal(start.Id, Assert.Single(history.OfType(HistoryEventType.WorkflowStarted)).TraceParent);
        Assert.True(history.Activations().Count >= 3);
    }

    [Fact]
    public async Task StartAsync_ParentWithChildWorkflow_ChildSpansInParentTrace()
    {
        using var spans = new SpanRecorder();
        await using var env = await TestEnvironment.StartAsync(StoreKind.Sqlite, b => b.AddWorkflow<ChildCallerWorkflow>().AddWorkflow<ChildEchoWorkflow>());

        await env.Client.StartAsync<ChildCallerWorkflow, string, string>("traced-parent", "x");
        await Wait.ForResultAsync<string>(env, "traced-parent");

        var start = spans.Single($"StartWorkflow:{nameof(ChildCallerWorkflow)}", "traced-parent");
        var trace = spans.InTrace(start.TraceId);
        Assert.Single(trace, s => s.DisplayName == $"RunWorkflow:{nameof(ChildCallerWorkflow)}");
        Assert.Single(trace, s => s.DisplayName == $"RunWorkflow:{nameof(ChildEchoWorkflow)}");
        Assert.Single(trace, s => s.DisplayName == "RunActivity:EchoActivities.Echo");
    }

    [Fact]
    public async Task SignalWorkflowAsync_ThreeInARowToARunningTarget_SenderCommitsOnce()
    {
        using var counters = new EngineCounters(nameof(SignalRelayWorkflow));
        await using var env = await TestEnvironment.StartAsync(StoreKind.Sqlite, b => b.AddWorkflow<SignalRelayWorkflow>().AddWorkflow<SignalCollectorWorkflow>());
        await env.Client.StartAsync<SignalCollectorWorkflow, SignalCollectRequest, List<string>>("relay-target", new SignalCollectRequest("note", 3));
        await Wait.ForEventAsync(env, "relay-target", HistoryEventType.WorkflowStarted);

        await env.Client.StartAsync<SignalRelayWorkflow, RelayOrder, string>("relay-once", new RelayOrder(["relay-target", "relay-target", "relay-target"], "note"));

        Assert.Equal("sent 3", await Wait.ForResultAsync<string>(env, "relay-once"));
        // Each acknowledgement was taken within the commit that sent the signal: start to end is one commit, in four activations.
        await Wait.UntilAsync(env, () => Task.FromResult(counters["durable.activations"]), c => c > 0, "the commit to be counted");
        Assert.Equal(1, counters["durable.activations"]);
        Assert.Equal(4, (await Wait.ReplaysAsync<SignalRelayWorkflow>(env, "relay-once")).Activations().Count);
    }

    /// <summary>Records every span of the "Durable" source as it starts (the engine may still be ending some when a result is returned).</summary>
    private sealed class SpanRecorder : IDisposable
    {
        private readonly ConcurrentQueue<Activity> _spans = new();
        private readonly ActivityListener _listener;

        public SpanRecorder()
        {
            _listener = new ActivityListener
            {
                ShouldListenTo = source => source.Name == DurableTelemetry.Name,
                Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
                ActivityStarted = _spans.Enqueue,
            };
            ActivitySource.AddActivityListener(_listener);
        }

        public Activity Single(string name, string workflowId) =>
            Assert.Single(_spans, s => s.DisplayName == name && Equals(s.GetTagItem("durable.workflow.id"), workflowId));

        public IReadOnlyList<Activity> InTrace(ActivityTraceId traceId) => [.. _spans.Where(s => s.TraceId == traceId)];

        public IReadOnlyList<Activity> ForWorkflow(string workflowId) => [.. _spans.Where(s => Equals(s.GetTagItem("durable.workflow.id"), workflowId))];

        public void Dispose() => _listener.Dispose();
    }
}
