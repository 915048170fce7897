using Durable.Storage;
using Durable.Testing;
using Durable.Tests.Workflows;

namespace Durable.Tests;

/// <summary>Tests here flip static switches on workflow classes; they share one class so they never run in parallel.</summary>
public abstract class DeterminismTests(StoreKind store) : StoreTests(store)
{
    [Fact]
    public async Task Replay_CodeIssuesDifferentCommand_ThrowsNonDeterminismExceptionNamingWorkflowSequenceAndCommands()
    {
        await using var env = await TestEnvironment.StartAsync(Store, b => b.AddWorkflow<EvolvingWorkflow>());
        await env.Client.StartAsync<EvolvingWorkflow, string, string>("evolve-1", "hello");
        await env.Client.SignalAsync("evolve-1", EvolvingWorkflow.Go, "go");
        Assert.Equal("hello+go", await Wait.ForResultAsync<string>(env, "evolve-1"));
        var history = await env.Client.GetHistoryAsync("evolve-1");
        WorkflowReplayer.Replay<EvolvingWorkflow>(history, "evolve-1");

        EvolvingWorkflow.CallsAddInsteadOfEcho = true;
        try
        {
            var ex = Assert.Throws<NonDeterminismException>(() => WorkflowReplayer.Replay<EvolvingWorkflow>(history, "evolve-1"));

            Assert.Contains("'evolve-1'", ex.Message, StringComparison.Ordinal);
            Assert.Contains("sequence #1", ex.Message, StringComparison.Ordinal);
            Assert.Contains("history has ScheduleActivity #1 'EchoActivities.Echo'", ex.Message, StringComparison.Ordinal);
            Assert.Contains("the code issued ScheduleActivity #1 'EchoActivities.Add'", ex.Message, StringComparison.Ordinal);
        }
        finally
        {
            EvolvingWorkflow.CallsAddInsteadOfEcho = false;
        }
    }

    [Fact]
    public async Task Worker_CodeChangedUnderRunningWorkflow_ParkedAsStuckThenResumesWhenReverted()
    {
        // No cache: the next activation must replay the history against the changed code.
        await using var env = await TestEnvironment.StartAsync(Store, b => b.AddWorkflow<EvolvingWorkflow>(), options: o => o.CacheCapacity = 0);
        await env.Client.StartAsync<EvolvingWorkflow, string, string>("evolve-2", "hello");
        var before = await Wait.ForHistoryAsync(env, "evolve-2", h => h.Activations().Count == 2, "the activity done");

        EvolvingWorkflow.CallsAddInsteadOfEcho = true;
        WorkflowDescription stuck;
        try
        {
            await env.Client.SignalAsync("evolve-2", EvolvingWorkflow.Go, "go");
            stuck = await Wait.ForDescriptionAsync(env, "evolve-2", d => d.IsStuck, "a stuck error");
        }
        finally
        {
            EvolvingWorkflow.CallsAddInsteadOfEcho = false;
        }

        Assert.Equal(WorkflowStatus.Running, stuck.Status);
        Assert.StartsWith(nameof(NonDeterminismException), stuck.StuckError, StringComparison.Ordinal);
        Assert.Contains("'evolve-2'", stuck.StuckError, StringComparison.Ordinal);
        Assert.Contains("#1", stuck.StuckError, StringComparison.Ordinal);
        Assert.Contains("ScheduleActivity #1 'EchoActivities.Echo'", stuck.StuckError, StringComparison.Ordinal);
        Assert.Contains("ScheduleActivity #1 'EchoActivities.Add'", stuck.StuckError, StringComparison.Ordinal);
        Assert.True(stuck.StuckAttempts >= 1);
        Assert.Equal("hello+go", await Wait.ForResultAsync<string>(env, "evolve-2"));
        var after = await env.Client.GetHistoryAsync("evolve-2");
        // The stuck attempts left no trace in history: it continues right after the events recorded before the change.
        Assert.Equal(before.Select(e => (e.EventId, e.Type)), after.Take(before.Count).Select(e => (e.EventId, e.Type)));
        Assert.Empty(after.OfType(HistoryEventType.WorkflowFailed));
        Assert.Single(after.OfType(HistoryEventType.ActivityScheduled));
        Assert.Null((await env.Client.DescribeAsync("evolve-2"))!.StuckError);
    }

    [Fact]
    public async Task Worker_WorkflowThrowsInvalidOperationException_ParkedAsStuckNotFailedAndResumesAfterFix()
    {
        await using var env = await TestEnvironment.StartAsync(Store, b => b.AddWorkflow<BuggyWorkflow>());

        BuggyWorkflow.IsBroken = true;
        WorkflowDescription stuck;
        WorkflowPage stuckList;
        try
        {
            await env.Client.StartAsync<BuggyWorkflow, string, string>("buggy-1", "order");
            stuck = await Wait.ForDescriptionAsync(env, "buggy-1", d => d.IsStuck, "a stuck error");
            stuckList = await env.Client.ListAsync(new WorkflowQuery { Stuck = true });
        }
        finally
        {
            BuggyWorkflow.IsBroken = false;
        }

        Assert.Equal(WorkflowStatus.Running, stuck.Status);
        Assert.Contains(nameof(InvalidOperationException), stuck.StuckError, StringComparison.Ordinal);
        Assert.Contains(BuggyWorkflow.BugMessage, stuck.StuckError, StringComparison.Ordinal);
        Assert.Contains(stuckList.Items, s => s.WorkflowId == "buggy-1" && s.IsStuck);
        Assert.Equal("order!", await Wait.ForResultAsync<string>(env, "buggy-1"));
        var history = await Wait.ReplaysAsync<BuggyWorkflow>(env, "buggy-1");
        Assert.Empty(history.OfType(HistoryEventType.WorkflowFailed));
        Assert.Single(history.OfType(HistoryEventType.ActivityScheduled));
        Assert.Equal(HistoryEventType.WorkflowCompleted, history[^1].Type);
        var done = await env.Client.DescribeAsync("buggy-1");
        Assert.Equal(WorkflowStatus.Completed, done!.Status);
        Assert.Null(done.StuckError);
    }
}

[Collection("determinism")]
public sealed class DeterminismTestsOnSqlite() : DeterminismTests(StoreKind.Sqlite);

[Collection("determinism")]
public sealed class DeterminismTestsOnPostgres() : DeterminismTests(StoreKind.Postgres);
