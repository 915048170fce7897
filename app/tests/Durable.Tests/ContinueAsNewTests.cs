using Durable.Storage;
using Durable.Testing;
using Durable.Tests.Workflows;

namespace Durable.Tests;

public abstract class ContinueAsNewTests(StoreKind store) : StoreTests(store)
{
    [Fact]
    public async Task ContinueAsNew_EveryThreeSignals_EachRunHistoryStaysBounded()
    {
        await using var env = await TestEnvironment.StartAsync(Store, b => b.AddWorkflow<CounterWorkflow>());
        const int signals = 30;

        var first = await env.Client.StartAsync<CounterWorkflow, CounterState, CounterResult>("counter-1", new CounterState(SignalsPerRun: 3, Target: signals));
        for (var i = 1; i <= signals; i++)
        {
            await env.Client.SignalAsync("counter-1", CounterWorkflow.Add, 1);
            var expected = i;
            await Wait.ForDescriptionAsync(env, "counter-1",
                d => d.CustomStatus is { } s && DurableJson.Deserialize<CounterStatus>(s).Total == expected, $"total {expected}");
        }
        var result = await Wait.ForResultAsync<CounterResult>(env, "counter-1");

        Assert.Equal(signals, result.Total);
        Assert.Equal(signals / 3 - 1, result.Generation);
        var runs = await AllRunsAsync(env, "counter-1");
        Assert.Equal(signals / 3, runs.Count);
        Assert.Equal(signals / 3 - 1, runs.Count(r => r.Status == WorkflowStatus.ContinuedAsNew));
        Assert.Equal(WorkflowStatus.ContinuedAsNew, (await env.Client.DescribeAsync("counter-1", first.RunId))!.Status);
        var lengths = new List<int>();
        foreach (var run in runs)
        {
            var history = await Wait.ReplaysAsync<CounterWorkflow>(env, "counter-1", run.RunId);
            lengths.Add(history.Count);
            Assert.True(history.Count(e => e.Type == HistoryEventType.SignalReceived) <= 3);
        }
        // Start (2) + three signals (2 each) + close (1): no run grows with the total number of signals.
        Assert.All(lengths, length => Assert.InRange(length, 1, 9));
        Assert.True(lengths.Sum() > 3 * 9);
    }

    [Fact]
    public async Task ContinueAsNew_SignalsBufferedAtTheTime_CarryOverInOrder()
    {
        var gate = new ActivityGate();
        await using var env = await TestEnvironment.StartAsync(Store, b => b.AddWorkflow<CounterWorkflow>(), gate: gate);
        using var opener = gate.OpenOnExit();

        var first = await env.Client.StartAsync<CounterWorkflow, CounterState, CounterResult>("counter-2", new CounterState(SignalsPerRun: 2, Target: 28, HoldFirst: true));
        await gate.WaitEnteredAsync();
        for (var value = 1; value <= 7; value++)
        {
            await env.Client.SignalAsync("counter-2", CounterWorkflow.Add, value);
        }
        await Wait.ForHistoryAsync(env, "counter-2", h => h.Count(e => e.Type == HistoryEventType.SignalReceived) == 7, "7 signals");
        Assert.Equal(7, (await env.Client.DescribeAsync("counter-2"))!.BufferedSignals.Count);
        gate.Open();
        var result = await Wait.ForResultAsync<CounterResult>(env, "counter-2");

        Assert.Equal(28, result.Total);
        Assert.Equal([1, 2, 3, 4, 5, 6, 7], result.Seen);
        Assert.Equal(3, result.Generation);
        var firstRun = await env.Client.GetHistoryAsync("counter-2", first.RunId);
        Assert.Equal(HistoryEventType.WorkflowContinuedAsNew, firstRun[^1].Type);
        var openings = new List<IReadOnlyList<HistoryEvent>>();
        foreach (var run in await AllRunsAsync(env, "counter-2"))
        {
            openings.Add((await Wait.ReplaysAsync<CounterWorkflow>(env, "counter-2", run.RunId)).Activations()[0]);
        }
        var opening = openings.Single(a => DurableJson.Deserialize<CounterState>(a[1].Payload).Generation == 1);
        Assert.Equal(HistoryEventType.WorkflowStarted, opening[1].Type);
        Assert.Equal(["3", "4", "5", "6", "7"], opening.Where(e => e.Type == HistoryEventType.SignalReceived).Select(e => e.Payload));
    }

    [Fact]
    public async Task GetResultAsync_WorkflowContinuedAsNew_FollowsToFinalRun()
    {
        await using var env = await TestEnvironment.StartAsync(Store, b => b.AddWorkflow<CounterWorkflow>());

        var first = await env.Client.StartAsync<CounterWorkflow, CounterState, CounterResult>("counter-3", new CounterState(SignalsPerRun: 1, Target: 3));
        var pending = env.Client.GetResultAsync<CounterResult>("counter-3");
        for (var i = 0; i < 3; i++)
        {
            await env.Client.SignalAsync("counter-3", CounterWorkflow.Add, 1);
        }
        var result = await pending.WaitAsync(Wait.HangGuard);

        Assert.Equal(new CounterStatus(3, 2), new CounterStatus(result.Total, result.Generation));
        var firstRun = await env.Client.DescribeAsync("counter-3", first.RunId);
        Assert.Equal(WorkflowStatus.ContinuedAsNew, firstRun!.Status);
        Assert.Null(firstRun.Result);
        var latest = await env.Client.DescribeAsync("counter-3");
        Assert.NotEqual(first.RunId, latest!.RunId);
        Assert.Equal(WorkflowStatus.Completed, latest.Status);
        Assert.Equal(HistoryEventType.WorkflowCompleted, (await env.Client.GetHistoryAsync("counter-3"))[^1].Type);
    }

    private static async Task<IReadOnlyList<WorkflowSummary>> AllRunsAsync(DurableTestEnvironment env, string workflowId)
    {
        var page = await env.Client.ListAsync(new WorkflowQuery { IdPrefix = workflowId, PageSize = 1000 });
        return [.. page.Items.Where(r => r.WorkflowId == workflowId)];
    }
}

public sealed class ContinueAsNewTestsOnSqlite() : ContinueAsNewTests(StoreKind.Sqlite);

public sealed class ContinueAsNewTestsOnPostgres() : ContinueAsNewTests(StoreKind.Postgres);
