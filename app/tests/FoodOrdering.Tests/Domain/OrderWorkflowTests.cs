using Durable;
using FoodOrdering.Domain.Drivers;
using FoodOrdering.Domain.Geo;
using FoodOrdering.Domain.Orders;
using FoodOrdering.Domain.Restaurants;

namespace FoodOrdering.Tests.Domain;

public sealed class OrderWorkflowTests
{
    private static OrderRequest Order(string id, long delayMs = 0, string restaurant = "bites_n_bytes") => new()
    {
        Id = id,
        RestaurantId = restaurant,
        Products = [new OrderProduct("1000", "Pepperoni pizza", 2), new OrderProduct("1003", "Chicken wings", 1)],
        TotalCost = 25.20m,
        DeliveryDelay = delayMs,
    };

    private static Task StartAsync(DomainEnvironment env, OrderRequest order) =>
        env.Client.StartAsync<OrderWorkflow, OrderRequest, OrderResult>(order.Id, order);

    private static Task<OrderStatus?> WaitForStateAsync(DomainEnvironment env, string orderId, OrderState state) =>
        DomainEnvironment.EventuallyAsync(() => env.OrderStatusAsync(orderId), s => s?.State == state, $"order {orderId} to be {state}");

    /// <summary>Plays the driver's phone for one job: pickup, a few positions, delivery.</summary>
    private static async Task DriveJobAsync(DomainEnvironment env, string driverId)
    {
        var twin = await DomainEnvironment.EventuallyAsync(() => env.DriverAsync(driverId), d => d?.Job is not null, $"{driverId} to get a job");
        var job = twin!.Job!;
        await env.SendAsync(driverId, new LocationUpdated(job.RestaurantLocation, DateTimeOffset.UtcNow));
        await env.SendAsync(driverId, new PickedUp(job.DeliveryId));
        await env.SendAsync(driverId, new LocationUpdated(job.RestaurantLocation.MoveToward(job.CustomerLocation, 500), DateTimeOffset.UtcNow));
        await env.SendAsync(driverId, new LocationUpdated(job.CustomerLocation, DateTimeOffset.UtcNow));
        await env.SendAsync(driverId, new Delivered(job.DeliveryId));
    }

    [Fact]
    public async Task RunAsync_HappyPath_ReachesDeliveredThroughEveryStatus()
    {
        await using var env = await DomainEnvironment.StartAsync();
        await env.StartShiftAsync("d1", Regions.SanJose, Regions.SanJose.Center);
        await StartAsync(env, Order("o-happy", delayMs: 60_000));
        await WaitForStateAsync(env, "o-happy", OrderState.Scheduled);

        await env.Durable.AdvanceTimeAsync(TimeSpan.FromSeconds(61));
        await WaitForStateAsync(env, "o-happy", OrderState.InPreparation);
        Assert.Contains(await env.Kitchen.OrdersAsync("bites_n_bytes"), o => o.OrderId == "o-happy");
        await env.Client.SignalAsync("o-happy", OrderSignals.Prepared, new Prepared());
        await DriveJobAsync(env, "d1");

        var result = await env.Client.GetResultAsync<OrderResult>("o-happy").WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(OrderState.Delivered, result.State);
        var status = await env.OrderStatusAsync("o-happy");
        Assert.Equal(
            [OrderState.Created, OrderState.Scheduled, OrderState.InPreparation, OrderState.SchedulingDelivery, OrderState.WaitingForDriver, OrderState.InDelivery, OrderState.Delivered],
            status!.History.Select(h => h.State));
        Assert.Equal("d1", status.DriverId);
        Assert.True(status.History[2].At - status.History[1].At >= TimeSpan.FromSeconds(60), "preparation starts after the requested delay");
        var ledger = await env.Ledger.ForOrderAsync("o-happy");
        Assert.Single(ledger, e => e.Kind == "charge" && e.Status == "approved");
        Assert.DoesNotContain(ledger, e => e.Kind == "refund");
        var history = await env.Client.GetHistoryAsync("o-happy");
        Assert.Single(history, e => e.Type == HistoryEventType.ActivityScheduled && e.Name == "PaymentActivities.Charge");
        Assert.Single(history, e => e.Type == HistoryEventType.ChildWorkflowStarted && e.Target == "delivery-o-happy");
        var twin = await env.DriverAsync("d1");
        Assert.Equal(DriverState.Idle, twin!.State);
        Assert.Equal(1, twin.DeliveriesCompleted);
    }

    [Fact]
    public async Task RunAsync_PaymentDeclined_IsRejectedWithoutRefund()
    {
        await using var env = await DomainEnvironment.StartAsync();
        await StartAsync(env, Order("o-decline-1"));

        var result = await env.Client.GetResultAsync<OrderResult>("o-decline-1").WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(OrderState.Rejected, result.State);
        Assert.Equal("The card was declined.", result.Reason);
        Assert.Equal([OrderState.Created, OrderState.Rejected], (await env.OrderStatusAsync("o-decline-1"))!.History.Select(h => h.State));
        Assert.Single(await env.Ledger.ForOrderAsync("o-decline-1"), e => e.Status == "declined");
        Assert.Empty(await env.Kitchen.OrdersAsync("bites_n_bytes"));
    }

    [Fact]
    public async Task RunAsync_RestaurantNeverPrepares_CancelledAndRefundedAfterTimeout()
    {
        await using var env = await DomainEnvironment.StartAsync();
        await StartAsync(env, Order("o-slow-kitchen"));

        var result = await env.Client.GetResultAsync<OrderResult>("o-slow-kitchen").WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(OrderState.Cancelled, result.State);
        Assert.Equal("The restaurant did not prepare the order in time.", result.Reason);
        var status = await env.OrderStatusAsync("o-slow-kitchen");
        Assert.True(status!.Refunded);
        Assert.True(status.History[^1].At - status.History[^2].At >= OrderTimeouts.Preparation);
        Assert.Single(await env.Ledger.ForOrderAsync("o-slow-kitchen"), e => e.Kind == "refund");
        Assert.Equal(KitchenOrderState.Cancelled, Assert.Single(await env.Kitchen.OrdersAsync("bites_n_bytes")).State);
    }

    [Fact]
    public async Task RunAsync_RegionMatcherTerminated_DeliveryFailsOrderCancelledAndRefunded()
    {
        await using var env = await DomainEnvironment.StartAsync();
        // An operator's terminate of the region's matcher (the run inspector allows it): the delivery cannot ask for a driver.
        Assert.True(await env.Client.TerminateAsync(Regions.SanJose.MatcherWorkflowId, "terminated by an operator"));
        await StartAsync(env, Order("o-no-matcher"));
        await WaitForStateAsync(env, "o-no-matcher", OrderState.InPreparation);

        await env.Client.SignalAsync("o-no-matcher", OrderSignals.Prepared, new Prepared());
        var result = await env.Client.GetResultAsync<OrderResult>("o-no-matcher").WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(OrderState.Cancelled, result.State);
        Assert.Equal("The delivery could not be arranged.", result.Reason);
        Assert.True((await env.OrderStatusAsync("o-no-matcher"))!.Refunded);
        Assert.Single(await env.Ledger.ForOrderAsync("o-no-matcher"), e => e.Kind == "refund");
        Assert.Equal(WorkflowStatus.Failed, (await env.Client.DescribeAsync("delivery-o-no-matcher"))!.Status);
    }

    [Fact]
    public async Task RunAsync_CancelledBeforePreparation_RefundedAndKitchenNeverAsked()
    {
        await using var env = await DomainEnvironment.StartAsync();
        await StartAsync(env, Order("o-cancel", delayMs: (long)TimeSpan.FromHours(2).TotalMilliseconds));
        await WaitForStateAsync(env, "o-cancel", OrderState.Scheduled);

        await env.Client.SignalAsync("o-cancel", OrderSignals.Cancel, new CancelRequest("Changed my mind."));
        var result = await env.Client.GetResultAsync<OrderResult>("o-cancel").WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(OrderState.Cancelled, result.State);
        Assert.Equal("Changed my mind.", result.Reason);
        Assert.Empty(await env.Kitchen.OrdersAsync("bites_n_bytes"));
        Assert.Single(await env.Ledger.ForOrderAsync("o-cancel"), e => e.Kind == "refund");
        var history = await env.Client.GetHistoryAsync("o-cancel");
        Assert.Contains(history, e => e.Type == HistoryEventType.TimerCanceled);
    }

    [Fact]
    public async Task RunAsync_CancelAfterPreparationStarted_IsIgnoredAndOrderIsDelivered()
    {
        await using var env = await DomainEnvironment.StartAsync();
        await env.StartShiftAsync("d1", Regions.SanJose, Regions.SanJose.Center);
        await StartAsync(env, Order("o-late-cancel"));
        await WaitForStateAsync(env, "o-late-cancel", OrderState.InPreparation);

        await env.Client.SignalAsync("o-late-cancel", OrderSignals.Cancel, new CancelRequest());
        await env.Client.SignalAsync("o-late-cancel", OrderSignals.Prepared, new Prepared());
        await DriveJobAsync(env, "d1");
        var result = await env.Client.GetResultAsync<OrderResult>("o-late-cancel").WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(OrderState.Delivered, result.State);
        Assert.DoesNotContain(await env.Ledger.ForOrderAsync("o-late-cancel"), e => e.Kind == "refund");
    }

    [Fact]
    public async Task RunAsync_RunCancelledWhileScheduled_RefundedAndEndsCanceledWithoutWaitingForTheTimer()
    {
        await using var env = await DomainEnvironment.StartAsync();
        await StartAsync(env, Order("o-op-cancel", delayMs: (long)TimeSpan.FromDays(2).TotalMilliseconds));
        await WaitForStateAsync(env, "o-op-cancel", OrderState.Scheduled);

        Assert.True(await env.Client.CancelAsync("o-op-cancel"));
        var run = await DomainEnvironment.EventuallyAsync(() => env.Client.DescribeAsync("o-op-cancel"), d => d!.Status != WorkflowStatus.Running, "the run to end");

        Assert.Equal(WorkflowStatus.Canceled, run!.Status);
        var status = DurableJson.Deserialize<OrderStatus>(run.CustomStatus);
        Assert.Equal(OrderState.Cancelled, status.State);
        Assert.True(status.Refunded);
        Assert.Single(await env.Ledger.ForOrderAsync("o-op-cancel"), e => e.Kind == "refund");
        Assert.Empty(await env.Kitchen.OrdersAsync("bites_n_bytes"));
        // Ended by the cancellation, not by the two-day timer.
        Assert.True(status.History[^1].At < status.ScheduledFor, "cancelled before the delivery time");
    }

    [Fact]
    public async Task RunAsync_RunCancelledInPreparation_KitchenStoppedRefundedAndEndsCanceled()
    {
        await using var env = await DomainEnvironment.StartAsync();
        await StartAsync(env, Order("o-op-cancel-kitchen"));
        await WaitForStateAsync(env, "o-op-cancel-kitchen", OrderState.InPreparation);

        Assert.True(await env.Client.CancelAsync("o-op-cancel-kitchen"));
        var run = await DomainEnvironment.EventuallyAsync(() => env.Client.DescribeAsync("o-op-cancel-kitchen"), d => d!.Status != WorkflowStatus.Running, "the run to end");

        Assert.Equal(WorkflowStatus.Canceled, run!.Status);
        Assert.Equal(OrderState.Cancelled, DurableJson.Deserialize<OrderStatus>(run.CustomStatus).State);
        Assert.Single(await env.Ledger.ForOrderAsync("o-op-cancel-kitchen"), e => e.Kind == "refund");
        Assert.Equal(KitchenOrderState.Cancelled, Assert.Single(await env.Kitchen.OrdersAsync("bites_n_bytes")).State);
    }

    [Fact]
    public async Task RunAsync_RunCancelledWhileWaitingForADriver_DeliveryCanceledAndOrderRefunded()
    {
        await using var env = await DomainEnvironment.StartAsync();
        await StartAsync(env, Order("o-op-cancel-delivery"));
        await WaitForStateAsync(env, "o-op-cancel-delivery", OrderState.InPreparation);
        await env.Client.SignalAsync("o-op-cancel-delivery", OrderSignals.Prepared, new Prepared());
        await WaitForStateAsync(env, "o-op-cancel-delivery", OrderState.SchedulingDelivery);

        Assert.True(await env.Client.CancelAsync("o-op-cancel-delivery"));
        var run = await DomainEnvironment.EventuallyAsync(() => env.Client.DescribeAsync("o-op-cancel-delivery"), d => d!.Status != WorkflowStatus.Running, "the run to end");

        Assert.Equal(WorkflowStatus.Canceled, run!.Status);
        Assert.Equal(OrderState.Cancelled, DurableJson.Deserialize<OrderStatus>(run.CustomStatus).State);
        Assert.Single(await env.Ledger.ForOrderAsync("o-op-cancel-delivery"), e => e.Kind == "refund");
        Assert.Equal(WorkflowStatus.Canceled, (await env.Client.DescribeAsync("delivery-o-op-cancel-delivery"))!.Status);
    }

    [Fact]
    public async Task RunAsync_NoDriverInTime_CancelledRefundedAndRequestWithdrawn()
    {
        await using var env = await DomainEnvironment.StartAsync();
        await StartAsync(env, Order("o-no-driver"));
        await WaitForStateAsync(env, "o-no-driver", OrderState.InPreparation);

        await env.Client.SignalAsync("o-no-driver", OrderSignals.Prepared, new Prepared());
        var result = await env.Client.GetResultAsync<OrderResult>("o-no-driver").WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(OrderState.Cancelled, result.State);
        Assert.StartsWith("No driver became available", result.Reason, StringComparison.Ordinal);
        Assert.Single(await env.Ledger.ForOrderAsync("o-no-driver"), e => e.Kind == "refund");
        var matcher = await DomainEnvironment.EventuallyAsync(() => env.Client.DescribeAsync(Regions.SanJose.MatcherWorkflowId),
            d => DurableJson.Deserialize<MatcherStatus>(d!.CustomStatus).PendingDeliveries == 0, "the matcher to drop the withdrawn request");
        Assert.NotNull(matcher);
    }

    [Fact]
    public async Task StartAsync_DuplicateOrderEvent_OneWorkflowAndOneCharge()
    {
        await using var env = await DomainEnvironment.StartAsync();
        var order = Order("o-dup", delayMs: 10_000);
        var first = await env.Client.StartAsync<OrderWorkflow, OrderRequest, OrderResult>(order.Id, order);
        var second = await env.Client.StartAsync<OrderWorkflow, OrderRequest, OrderResult>(order.Id, order);
        await WaitForStateAsync(env, "o-dup", OrderState.Scheduled);
        await env.Durable.AdvanceTimeAsync(TimeSpan.FromSeconds(11));
        await WaitForStateAsync(env, "o-dup", OrderState.InPreparation);

        Assert.True(first.Started);
        Assert.False(second.Started);
        Assert.Equal(first.RunId, second.RunId);
        Assert.Single(await env.Ledger.ForOrderAsync("o-dup"));
    }
}
