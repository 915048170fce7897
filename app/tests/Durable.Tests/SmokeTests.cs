using Durable.Testing;

namespace Durable.Tests;

public sealed class GreetingActivities
{
    public Task<string> GreetAsync(string name) => Task.FromResult($"Hello, {name}");
}

public sealed class GreetingWorkflow : Workflow<string, string>
{
    public override async Task<string> RunAsync(WorkflowContext context, string input)
    {
        var a = await context.ExecuteActivityAsync((GreetingActivities g) => g.GreetAsync(input));
        await context.DelayAsync(TimeSpan.FromDays(30));
        var signal = await context.WaitForSignalAsync<string>("go");
        var b = await context.ExecuteActivityAsync((GreetingActivities g) => g.GreetAsync(signal));
        return a + " / " + b;
    }
}

public sealed class SmokeTests
{
    [Fact]
    public async Task Workflow_ActivitiesTimerSignal_Completes()
    {
        await using var env = await DurableTestEnvironment.StartAsync(b => b.AddWorkflow<GreetingWorkflow>().AddActivities<GreetingActivities>());
        var handle = await env.Client.StartAsync<GreetingWorkflow, string, string>("g-1", "Ada");
        Assert.True(handle.Started);
        await env.Client.SignalAsync("g-1", "go", "Bob");
        string result;
        try { result = await env.Client.GetResultAsync<string>("g-1").WaitAsync(TimeSpan.FromSeconds(5)); }
        catch (TimeoutException)
        {
            var d = await env.Client.DescribeAsync("g-1");
            var h = await env.Client.GetHistoryAsync("g-1");
            Assert.Fail(System.Text.Json.JsonSerializer.Serialize(d) + "\n" + string.Join("\n", h));
            throw;
        }
        Assert.Equal("Hello, Ada / Hello, Bob", result);
        var history = await env.Client.GetHistoryAsync("g-1");
        Assert.Equal(HistoryEventType.WorkflowCompleted, history[^1].Type);
    }
}
