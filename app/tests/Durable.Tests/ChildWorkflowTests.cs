using Durable.Storage;
using Durable.Tests.Workflows;

namespace Durable.Tests;

public abstract class ChildWorkflowTests(StoreKind store) : StoreTests(store)
{
    private Task<Testing.DurableTestEnvironment> StartAsync() => TestEnvironment.StartAsync(Store, b => b
        .AddWorkflow<ChildEchoWorkflow>().AddWorkflow<ChildCallerWorkflow>().AddWorkflow<AwaitSignalWorkflow>()
        .AddWorkflow<ChildStarterWorkflow>().AddWorkflow<SignalSenderWorkflow>().AddWorkflow<SignalRelayWorkflow>().AddWorkflow<SignalCollectorWorkflow>());

    [Fact]
    public async Task ExecuteChildWorkflowAsync_ChildCompletes_ParentGetsResult()
    {
        await using var env = await StartAsync();

        await env.Client.StartAsync<ChildCallerWorkflow, string, string>("parent-ok", "hello");
        var result = await Wait.ForResultAsync<string>(env, "parent-ok");

        Assert.Equal("child said HELLO", result);
        var history = await Wait.ReplaysAsync<ChildCallerWorkflow>(env, "parent-ok");
        var started = Assert.Single(history.OfType(HistoryEventType.ChildWorkflowStarted));
        Assert.Equal(nameof(ChildEchoWorkflow), started.Name);
        Assert.Equal("parent-ok-child", started.Target);
        var completed = Assert.Single(history.OfType(HistoryEventType.ChildWorkflowCompleted));
        Assert.Equal(started.Sequence, completed.Sequence);
        Assert.Equal("\"HELLO\"", completed.Payload);
        var child = await env.Client.DescribeAsync("parent-ok-child");
        Assert.Equal(WorkflowStatus.Completed, child!.Status);
        Assert.Equal("parent-ok", child.ParentWorkflowId);
        Assert.Contains(HistoryEventType.ActivityCompleted, (await env.Client.GetHistoryAsync("parent-ok-child")).Types());
    }

    [Fact]
    public async Task ExecuteChildWorkflowAsync_ChildFails_ParentCatchesChildWorkflowFailedException()
    {
        await using var env = await StartAsync();

        await env.Client.StartAsync<ChildCallerWorkflow, string, string>("parent-fail", "fail please");
        var result = await Wait.ForResultAsync<string>(env, "parent-fail");

        Assert.Equal("child parent-fail-child failed: ChildBroke: child failed on purpose", result);
        var history = await Wait.ReplaysAsync<ChildCallerWorkflow>(env, "parent-fail");
        var failed = Assert.Single(history.OfType(HistoryEventType.ChildWorkflowFailed));
        Assert.Equal("ChildBroke", failed.Error!.Type);
        Assert.Equal(HistoryEventType.WorkflowCompleted, history[^1].Type);
        Assert.Equal(WorkflowStatus.Failed, (await env.Client.DescribeAsync("parent-fail-child"))!.Status);
    }

    [Fact]
    public async Task StartChildWorkflowAsync_AbandonPolicy_ChildOutlivesParent()
    {
        await using var env = await StartAsync();

        await env.Client.StartAsync<ChildStarterWorkflow, ParentClosePolicy, string>("parent-abandon", ParentClosePolicy.Abandon);
        await Wait.ForEventAsync(env, "parent-abandon-child", HistoryEventType.WorkflowStarted);
        await env.Client.SignalAsync<string?>("parent-abandon", ChildStarterWorkflow.Done, null);
        Assert.Equal("parent-abandon-child", await Wait.ForResultAsync<string>(env, "parent-abandon"));

        var child = await env.Client.DescribeAsync("parent-abandon-child");
        Assert.Equal(WorkflowStatus.Running, child!.Status);
        var parent = await env.Client.DescribeAsync("parent-abandon");
        Assert.Equal([new ChildSummary("parent-abandon-child", child.RunId, nameof(AwaitSignalWorkflow), WorkflowStatus.Running)], parent!.Children);
        await env.Client.SignalAsync("parent-abandon-child", AwaitSignalWorkflow.Finish, "later");
        Assert.Equal("child:later", await Wait.ForResultAsync<string>(env, "parent-abandon-child"));
        Assert.Empty((await env.Client.GetHistoryAsync("parent-abandon-child")).OfType(HistoryEventType.WorkflowTerminated));
    }

    [Fact]
    public async Task StartChildWorkflowAsync_DefaultTerminatePolicy_RunningChildTerminatedWhenParentCompletes()
    {
        Assert.Equal(ParentClosePolicy.Terminate, new ChildWorkflowOptions().ParentClosePolicy);
        await using var env = await StartAsync();

        await env.Client.StartAsync<ChildStarterWorkflow, ParentClosePolicy, string>("parent-term", ParentClosePolicy.Terminate);
        await Wait.ForEventAsync(env, "parent-term-child", HistoryEventType.WorkflowStarted);
        await env.Client.SignalAsync<string?>("parent-term", ChildStarterWorkflow.Done, null);
        await Wait.ForResultAsync<string>(env, "parent-term");

        var ex = await Assert.ThrowsAsync<WorkflowFailedException>(() => Wait.ForResultAsync<string>(env, "parent-term-child"));
        Assert.Equal(WorkflowStatus.Terminated, ex.Status);
        var history = await Wait.ReplaysAsync<AwaitSignalWorkflow>(env, "parent-term-child");
        Assert.Equal(HistoryEventType.WorkflowTerminated, history[^1].Type);
        Assert.Contains("parent-term", history[^1].Payload, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartChildWorkflowAsync_RequestCancelPolicy_ChildCanceledWhenParentCompletes()
    {
        await using var env = await StartAsync();

        await env.Client.StartAsync<ChildStarterWorkflow, ParentClosePolicy, string>("parent-cancel", ParentClosePolicy.RequestCancel);
        await Wait.ForEventAsync(env, "parent-cancel-child", HistoryEventType.WorkflowStarted);
        await env.Client.SignalAsync<string?>("parent-cancel", ChildStarterWorkflow.Done, null);
        await Wait.ForResultAsync<string>(env, "parent-cancel");

        var ex = await Assert.ThrowsAsync<WorkflowFailedException>(() => Wait.ForResultAsync<string>(env, "parent-cancel-child"));
        Assert.Equal(WorkflowStatus.Canceled, ex.Status);
        var history = await Wait.ReplaysAsync<AwaitSignalWorkflow>(env, "parent-cancel-child");
        Assert.Single(history.OfType(HistoryEventType.CancelRequested));
        Assert.Equal(HistoryEventType.WorkflowCanceled, history[^1].Type);
    }

    [Fact]
    public async Task SignalWorkflowAsync_TargetRunning_SignalDelivered()
    {
        await using var env = await StartAsync();
        await env.Client.StartAsync<AwaitSignalWorkflow, string, string>("target-1", "target");
        await Wait.ForEventAsync(env, "target-1", HistoryEventType.WorkflowStarted);

        await env.Client.StartAsync<SignalSenderWorkflow, SignalOrder, string>("sender-1", new SignalOrder("target-1", "hi"));

        Assert.Equal("sent", await Wait.ForResultAsync<string>(env, "sender-1"));
        Assert.Equal("target:hi", await Wait.ForResultAsync<string>(env, "target-1"));
        var sender = await Wait.ReplaysAsync<SignalSenderWorkflow>(env, "sender-1");
        var sent = Assert.Single(sender.OfType(HistoryEventType.ExternalSignalSent));
        Assert.Equal("target-1", sent.Target);
        Assert.Equal(AwaitSignalWorkflow.Finish, sent.Name);
        var delivered = Assert.Single(sender.OfType(HistoryEventType.ExternalSignalResult));
        Assert.Equal(sent.Sequence, delivered.Sequence);
        Assert.Null(delivered.Error);
        var received = Assert.Single((await env.Client.GetHistoryAsync("target-1")).OfType(HistoryEventType.SignalReceived));
        Assert.Equal("sender-1", received.Target);
        Assert.Equal("\"hi\"", received.Payload);
    }

    [Fact]
    public async Task SignalWorkflowAsync_TargetMissing_ThrowsExternalSignalFailedException()
    {
        await using var env = await StartAsync();

        await env.Client.StartAsync<SignalSenderWorkflow, SignalOrder, string>("sender-2", new SignalOrder("ghost", "hi"));
        var result = await Wait.ForResultAsync<string>(env, "sender-2");

        Assert.StartsWith("not sent to ghost:", result, StringComparison.Ordinal);
        var history = await Wait.ReplaysAsync<SignalSenderWorkflow>(env, "sender-2");
        Assert.Equal("WorkflowNotFound", Assert.Single(history.OfType(HistoryEventType.ExternalSignalResult)).Error!.Type);
        Assert.Null(await env.Client.DescribeAsync("ghost"));
    }

    [Fact]
    public async Task SignalWorkflowAsync_ThreeInARowWithAStatusBeforeEach_DeliveredInOrderAndEveryStatusInTheFeed()
    {
        await using var env = await StartAsync();
        await env.Client.StartAsync<SignalCollectorWorkflow, SignalCollectRequest, List<string>>("collector-1", new SignalCollectRequest("note", 3));
        await Wait.ForEventAsync(env, "collector-1", HistoryEventType.WorkflowStarted);
        var after = await env.Store.GetLastChangeSequenceAsync(CancellationToken.None);

        await env.Client.StartAsync<SignalRelayWorkflow, RelayOrder, string>("relay-1", new RelayOrder(["collector-1", "collector-1", "collector-1"], "note"));

        Assert.Equal("sent 3", await Wait.ForResultAsync<string>(env, "relay-1"));
        Assert.Equal(["signal-1", "signal-2", "signal-3"], await Wait.ForResultAsync<List<string>>(env, "collector-1"));
        var relay = await Wait.ReplaysAsync<SignalRelayWorkflow>(env, "relay-1");
        Assert.Equal(3, relay.OfType(HistoryEventType.ExternalSignalResult).Count(e => e.Error is null));
        var changes = (await env.Store.ReadChangesAsync(after, 100, CancellationToken.None)).Where(c => c.WorkflowId == "relay-1").ToList();
        Assert.Equal(
            [WorkflowChangeKind.Started, WorkflowChangeKind.StatusChanged, WorkflowChangeKind.StatusChanged, WorkflowChangeKind.StatusChanged, WorkflowChangeKind.Closed],
            changes.Select(c => c.Kind));
        Assert.Equal([null, "sending-1", "sending-2", "sending-3", "sent"], changes.Select(c => c.CustomStatus is null ? null : DurableJson.Deserialize<string>(c.CustomStatus)));
    }

    [Fact]
    public async Task SignalWorkflowAsync_RunningTargetThenMissingOne_FirstDeliveredSecondReportedNotDelivered()
    {
        await using var env = await StartAsync();
        await env.Client.StartAsync<AwaitSignalWorkflow, string, string>("target-once", "target");
        await Wait.ForEventAsync(env, "target-once", HistoryEventType.WorkflowStarted);

        await env.Client.StartAsync<SignalRelayWorkflow, RelayOrder, string>("relay-2", new RelayOrder(["target-once", "ghost"], AwaitSignalWorkflow.Finish));

        Assert.Equal("target:signal-1", await Wait.ForResultAsync<string>(env, "target-once"));
        Assert.Equal("signal-2 not delivered", await Wait.ForResultAsync<string>(env, "relay-2"));
        var relay = await Wait.ReplaysAsync<SignalRelayWorkflow>(env, "relay-2");
        Assert.Equal([null, "WorkflowNotFound"], relay.OfType(HistoryEventType.ExternalSignalResult).Select(e => e.Error?.Type));
    }
}

public sealed class ChildWorkflowTestsOnSqlite() : ChildWorkflowTests(StoreKind.Sqlite);

public sealed class ChildWorkflowTestsOnPostgres() : ChildWorkflowTests(StoreKind.Postgres);
