using Durable;
using Durable.Testing;
using FoodOrdering.Host.Demo;

namespace FoodOrdering.Tests;

/// <summary>The demo workflow on the engine alone, with time skipping: a 30-minute wait takes milliseconds.</summary>
public sealed class DemoOrderWorkflowTests
{
    private static Task<DurableTestEnvironment> StartAsync() =>
        DurableTestEnvironment.StartAsync(b => b.AddWorkflow<DemoOrderWorkflow>().AddActivities<DemoActivities>());

    [Fact]
    public async Task RunAsync_KitchenNeverAnswers_RefundsAndCancelsAfterThePreparationTimeout()
    {
        await using var env = await StartAsync();

        await env.Client.StartAsync<DemoOrderWorkflow, DemoOrder, DemoOrderResult>("late", new DemoOrder("late", DeliveryDelayMs: 60_000));
        var result = await env.Client.GetResultAsync<DemoOrderResult>("late").WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(DemoOrderState.Cancelled, result.Status);
        var description = await env.Client.DescribeAsync("late");
        Assert.Equal("""{"status":"CANCELLED"}""", description!.CustomStatus);
        var history = await env.Client.GetHistoryAsync("late");
        Assert.Equal(["DemoActivities.Charge", "DemoActivities.Refund"],
            history.Where(e => e.Type == HistoryEventType.ActivityScheduled).Select(e => e.Name));
        // Both activities carry the same idempotency key: the refund undoes exactly that charge.
        var keys = history.Where(e => e.Type == HistoryEventType.ActivityScheduled).Select(e => DurableJson.Deserialize<string[]>(e.Payload)[1]).ToList();
        Assert.Equal(keys[0], keys[1]);
        var fired = history.Where(e => e.Type == HistoryEventType.TimerFired).ToList();
        Assert.Equal(2, fired.Count);
    }

    [Fact]
    public async Task RunAsync_SignalledBeforeTheDeliveryTime_DeliversAndReplaysDeterministically()
    {
        await using var env = await StartAsync();

        await env.Client.StartAsync<DemoOrderWorkflow, DemoOrder, DemoOrderResult>("early", new DemoOrder("early", DeliveryDelayMs: 3_600_000));
        await env.Client.SignalAsync("early", DemoOrderWorkflow.PreparedSignal, new Prepared("test"));
        var result = await env.Client.GetResultAsync<DemoOrderResult>("early").WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(new DemoOrderResult("early", DemoOrderState.Delivered, result.PaymentId, "test"), result);
        Assert.StartsWith("pay-", result.PaymentId, StringComparison.Ordinal);
        var history = await env.Client.GetHistoryAsync("early");
        WorkflowReplayer.Replay<DemoOrderWorkflow>(history, "early");
    }
}
