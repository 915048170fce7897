using Durable.Testing;
using Durable.Tests.Workflows;

namespace Durable.Tests;

public abstract class CancellationTests(StoreKind store) : StoreTests(store)
{
    // Real time: the workflows wait on a one-day timer that time skipping would fire at once.
    private Task<DurableTestEnvironment> StartAsync(AttemptLog log, ActivityGate? gate = null) =>
        TestEnvironment.StartAsync(Store, b => b.AddWorkflow<CancellableWorkflow>(), log, gate, timeSkipping: false);

    [Fact]
    public async Task CancelAsync_WaitingOnTimer_TimerThrowsCompensationRunsAndWorkflowEndsCanceled()
    {
        var log = new AttemptLog();
        await using var env = await StartAsync(log);

        await env.Client.StartAsync<CancellableWorkflow, string, string>("cancel-timer", CancelPoint.Timer);
        await Wait.ForEventAsync(env, "cancel-timer", HistoryEventType.TimerStarted);
        Assert.True(await env.Client.CancelAsync("cancel-timer"));
        var ex = await Assert.ThrowsAsync<WorkflowFailedException>(() => Wait.ForResultAsync<string>(env, "cancel-timer"));

        Assert.Equal(WorkflowStatus.Canceled, ex.Status);
        var history = await Wait.ReplaysAsync<CancellableWorkflow>(env, "cancel-timer");
        var timer = Assert.Single(history.OfType(HistoryEventType.TimerStarted)).Sequence;
        var cancelled = history.IndexOf(HistoryEventType.CancelRequested);
        Assert.True(cancelled > 0);
        Assert.True(history.IndexOf(HistoryEventType.TimerCanceled, timer) > cancelled);
        Assert.Empty(history.OfType(HistoryEventType.TimerFired));
        AssertCompensatedAfter(history, cancelled);
        Assert.Equal(2, log.Effects.Count);
        Assert.All(log.Effects.Values, n => Assert.Equal(1, n));
        var description = await env.Client.DescribeAsync("cancel-timer");
        Assert.True(description!.CancelRequested);
        Assert.Equal(WorkflowStatus.Canceled, description.Status);
    }

    [Fact]
    public async Task CancelAsync_WaitingOnActivity_ActivityWaitThrowsAndWorkflowEndsCanceled()
    {
        var log = new AttemptLog();
        var gate = new ActivityGate();
        await using var env = await StartAsync(log, gate);
        using var opener = gate.OpenOnExit();

        await env.Client.StartAsync<CancellableWorkflow, string, string>("cancel-activity", CancelPoint.Activity);
        await gate.WaitEnteredAsync();
        Assert.True(await env.Client.CancelAsync("cancel-activity"));
        var ex = await Assert.ThrowsAsync<WorkflowFailedException>(() => Wait.ForResultAsync<string>(env, "cancel-activity"));

        Assert.Equal(WorkflowStatus.Canceled, ex.Status);
        var history = await Wait.ReplaysAsync<CancellableWorkflow>(env, "cancel-activity");
        var held = history.OfType(HistoryEventType.ActivityScheduled).Single(e => e.Name == "GateActivities.Hold").Sequence;
        var cancelled = history.IndexOf(HistoryEventType.CancelRequested);
        Assert.True(history.IndexOf(HistoryEventType.ActivityCancelRequested, held) > cancelled);
        Assert.DoesNotContain(history, e => e.Type == HistoryEventType.ActivityCompleted && e.Sequence == held);
        AssertCompensatedAfter(history, cancelled);
        Assert.Empty((await env.Client.DescribeAsync("cancel-activity"))!.PendingActivities);
    }

    [Fact]
    public async Task CancelAsync_WaitingOnSignal_SignalWaitThrowsAndWorkflowEndsCanceled()
    {
        var log = new AttemptLog();
        await using var env = await StartAsync(log);

        await env.Client.StartAsync<CancellableWorkflow, string, string>("cancel-signal", CancelPoint.Signal);
        await Wait.ForHistoryAsync(env, "cancel-signal", h => h.Activations().Count == 2, "the charge done");
        Assert.True(await env.Client.CancelAsync("cancel-signal"));
        var ex = await Assert.ThrowsAsync<WorkflowFailedException>(() => Wait.ForResultAsync<string>(env, "cancel-signal"));

        Assert.Equal(WorkflowStatus.Canceled, ex.Status);
        var history = await Wait.ReplaysAsync<CancellableWorkflow>(env, "cancel-signal");
        AssertCompensatedAfter(history, history.IndexOf(HistoryEventType.CancelRequested));
        Assert.Equal(2, log.Effects.Count);
    }

    [Fact]
    public async Task CancelAsync_WaitingOnChild_ChildCanceledAndParentEndsCanceled()
    {
        await using var env = await TestEnvironment.StartAsync(Store, b => b.AddWorkflow<ChildWaiterWorkflow>().AddWorkflow<AwaitSignalWorkflow>());

        await env.Client.StartAsync<ChildWaiterWorkflow, string, string>("cancel-parent", "x");
        await Wait.ForEventAsync(env, "cancel-parent-child", HistoryEventType.WorkflowStarted);
        Assert.True(await env.Client.CancelAsync("cancel-parent"));
        var ex = await Assert.ThrowsAsync<WorkflowFailedException>(() => Wait.ForResultAsync<string>(env, "cancel-parent"));

        Assert.Equal(WorkflowStatus.Canceled, ex.Status);
        Assert.Equal(WorkflowStatus.Canceled, (await env.Client.DescribeAsync("cancel-parent-child"))!.Status);
        var history = await Wait.ReplaysAsync<ChildWaiterWorkflow>(env, "cancel-parent");
        var child = Assert.Single(history.OfType(HistoryEventType.ChildWorkflowStarted)).Sequence;
        Assert.True(history.IndexOf(HistoryEventType.ChildWorkflowCancelRequested, child) > history.IndexOf(HistoryEventType.CancelRequested));
        Assert.Equal(nameof(WorkflowStatus.Canceled), Assert.Single(history.OfType(HistoryEventType.ChildWorkflowFailed)).Error!.Type);
        Assert.Equal(HistoryEventType.WorkflowCanceled, history[^1].Type);
        Assert.Equal(HistoryEventType.WorkflowCanceled, (await env.Client.GetHistoryAsync("cancel-parent-child"))[^1].Type);
    }

    [Fact]
    public async Task CancelAsync_WorkflowNotRunning_ReturnsFalse()
    {
        await using var env = await StartAsync(new AttemptLog());

        Assert.False(await env.Client.CancelAsync("nobody"));
        Assert.False(await env.Client.TerminateAsync("nobody", "why not"));
    }

    [Fact]
    public async Task TerminateAsync_RunningWorkflow_EndsTerminatedWithoutRunningItsCode()
    {
        var log = new AttemptLog();
        await using var env = await StartAsync(log);

        await env.Client.StartAsync<CancellableWorkflow, string, string>("terminate-1", CancelPoint.Signal);
        await Wait.ForHistoryAsync(env, "terminate-1", h => h.Activations().Count == 2, "the charge done");
        Assert.True(await env.Client.TerminateAsync("terminate-1", "stuck order"));
        var ex = await Assert.ThrowsAsync<WorkflowFailedException>(() => Wait.ForResultAsync<string>(env, "terminate-1"));

        Assert.Equal(WorkflowStatus.Terminated, ex.Status);
        Assert.Equal("stuck order", ex.Error!.Message);
        var history = await Wait.ReplaysAsync<CancellableWorkflow>(env, "terminate-1");
        Assert.Equal(HistoryEventType.WorkflowTerminated, history[^1].Type);
        Assert.Equal("\"stuck order\"", history[^1].Payload);
        Assert.DoesNotContain(history, e => e.Name == "LedgerActivities.Refund");
        Assert.Single(log.Effects);
        Assert.False(await env.Client.TerminateAsync("terminate-1", "again"));
    }

    private static void AssertCompensatedAfter(IReadOnlyList<HistoryEvent> history, int cancelRequestedIndex)
    {
        var refund = history.OfType(HistoryEventType.ActivityScheduled).Single(e => e.Name == "LedgerActivities.Refund");
        Assert.True(history.IndexOf(HistoryEventType.ActivityScheduled, refund.Sequence) > cancelRequestedIndex);
        Assert.True(history.IndexOf(HistoryEventType.ActivityCompleted, refund.Sequence) > cancelRequestedIndex);
        Assert.Equal(HistoryEventType.WorkflowCanceled, history[^1].Type);
    }
}

public sealed class CancellationTestsOnSqlite() : CancellationTests(StoreKind.Sqlite);

public sealed class CancellationTestsOnPostgres() : CancellationTests(StoreKind.Postgres);
