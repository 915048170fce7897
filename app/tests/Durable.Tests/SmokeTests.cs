using Durable.Testing;
using Durable.Tests.Workflows;

namespace Durable.Tests;

public sealed class SmokeTests
{
    [Fact]
    public async Task Workflow_ActivitiesTimerSignal_Completes()
    {
        await using var env = await DurableTestEnvironment.StartAsync(b => b.AddWorkflow<GreetingWorkflow>().AddActivities<GreetingActivities>());
        var handle = await env.Client.StartAsync<GreetingWorkflow, string, string>("g-1", "Ada");
        Assert.True(handle.Started);
        await env.Client.SignalAsync("g-1", GreetingWorkflow.Go, "Bob");

        var result = await Wait.ForResultAsync<string>(env, "g-1");

        Assert.Equal("Hello, Ada / Hello, Bob", result);
        var history = await Wait.ReplaysAsync<GreetingWorkflow>(env, "g-1");
        Assert.Equal(HistoryEventType.WorkflowCompleted, history[^1].Type);
    }
}
