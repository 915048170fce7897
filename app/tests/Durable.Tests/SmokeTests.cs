using Durable.Testing;
using Durable.Tests.Workflows;

namespace Durable.Tests;

public abstract class SmokeTests(StoreKind store) : StoreTests(store)
{
    [Fact]
    public async Task Workflow_ActivitiesTimerSignal_Completes()
    {
        await using var env = await DurableTestEnvironment.StartAsync(b => b.AddWorkflow<GreetingWorkflow>().AddActivities<GreetingActivities>(), options: await TestEnvironment.StoreOptionsAsync(Store));
        var handle = await env.Client.StartAsync<GreetingWorkflow, string, string>("g-1", "Ada");
        Assert.True(handle.Started);
        await env.Client.SignalAsync("g-1", GreetingWorkflow.Go, "Bob");

        var result = await Wait.ForResultAsync<string>(env, "g-1");

        Assert.Equal("Hello, Ada / Hello, Bob", result);
        var history = await Wait.ReplaysAsync<GreetingWorkflow>(env, "g-1");
        Assert.Equal(HistoryEventType.WorkflowCompleted, history[^1].Type);
    }
}

public sealed class SmokeTestsOnSqlite() : SmokeTests(StoreKind.Sqlite);

public sealed class SmokeTestsOnPostgres() : SmokeTests(StoreKind.Postgres);
