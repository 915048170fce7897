using Durable.Testing;
using Durable.Tests.Workflows;

namespace Durable.Tests;

public abstract class CacheTests(StoreKind store) : StoreTests(store)
{
    [Fact]
    public async Task StickyCache_CapacityOneWithTwoInterleavedWorkflows_BothCompleteReplayingOnMiss()
    {
        using var counters = new EngineCounters();
        await using var env = await TestEnvironment.StartAsync(Store, b => b.AddWorkflow<StepsWorkflow>(), options: o => o.CacheCapacity = 1);
        await env.Client.StartAsync<StepsWorkflow, int, int>("steps-a", 3);
        await env.Client.StartAsync<StepsWorkflow, int, int>("steps-b", 3);
        var cached = new List<int>();

        for (var step = 1; step <= 3; step++)
        {
            foreach (var (id, value) in new[] { ("steps-a", step), ("steps-b", 10 * step) })
            {
                await env.Client.SignalAsync(id, StepsWorkflow.Step, value);
                var expected = step;
                await Wait.ForHistoryAsync(env, id, h => h.Count(e => e.Type == HistoryEventType.ActivityCompleted) == expected, $"step {expected} done");
                cached.Add(env.Worker.CachedWorkflows);
            }
        }

        Assert.Equal(6, await Wait.ForResultAsync<int>(env, "steps-a"));
        Assert.Equal(60, await Wait.ForResultAsync<int>(env, "steps-b"));
        Assert.All(cached, n => Assert.InRange(n, 0, 1));
        Assert.InRange(env.Worker.CachedWorkflows, 0, 1);
        // Every step of one workflow evicts the other, so its next signal is a miss; the activity result right after is a hit.
        // (A run's first activation has no history to replay and is not counted as a miss.)
        Assert.True(counters["durable.cache.misses"] >= 5, $"misses {counters["durable.cache.misses"]}");
        Assert.True(counters["durable.cache.hits"] >= 1, $"hits {counters["durable.cache.hits"]}");
        foreach (var id in new[] { "steps-a", "steps-b" })
        {
            var history = await env.Client.GetHistoryAsync(id);
            Assert.Equal([1, 2, 3], history.OfType(HistoryEventType.ActivityScheduled).Select(e => e.Sequence));
            Assert.Equal(HistoryEventType.WorkflowCompleted, history[^1].Type);
        }
    }

    [Fact]
    public async Task StickyCache_CapacityZero_EveryActivationReplaysAndWorkflowCompletes()
    {
        using var counters = new EngineCounters();
        await using var env = await TestEnvironment.StartAsync(Store, b => b.AddWorkflow<StepsWorkflow>(), options: o => o.CacheCapacity = 0);
        await env.Client.StartAsync<StepsWorkflow, int, int>("steps-z", 3);

        for (var step = 1; step <= 3; step++)
        {
            await env.Client.SignalAsync("steps-z", StepsWorkflow.Step, step);
        }
        Assert.Equal(6, await Wait.ForResultAsync<int>(env, "steps-z"));

        Assert.Equal(0, env.Worker.CachedWorkflows);
        Assert.Equal(0, counters["durable.cache.hits"]);
        var history = await Wait.ReplaysAsync<StepsWorkflow>(env, "steps-z");
        // Every activation but the first (nothing to replay yet) is a miss.
        Assert.True(counters["durable.cache.misses"] >= history.Activations().Count - 1, $"misses {counters["durable.cache.misses"]}, activations {history.Activations().Count}");
        Assert.Equal([1, 2, 3], history.OfType(HistoryEventType.ActivityScheduled).Select(e => e.Sequence));
    }
}

[Collection(GlobalListenerCollection.Name)]
public sealed class CacheTestsOnSqlite() : CacheTests(StoreKind.Sqlite);

[Collection(GlobalListenerCollection.Name)]
public sealed class CacheTestsOnPostgres() : CacheTests(StoreKind.Postgres);
