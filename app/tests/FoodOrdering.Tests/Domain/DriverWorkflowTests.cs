using Durable;
using FoodOrdering.Domain.Delivery;
using FoodOrdering.Domain.Drivers;
using FoodOrdering.Domain.Geo;
using FoodOrdering.Domain.Orders;
using FoodOrdering.Domain.Restaurants;

namespace FoodOrdering.Tests.Domain;

public sealed class DriverWorkflowTests
{
    [Fact]
    public async Task RunAsync_ManyLocationUpdates_ContinuesAsNewWithBoundedHistoryAndKeepsState()
    {
        await using var env = await DomainEnvironment.StartAsync();
        await env.StartShiftAsync("d-long", Regions.Berlin, Regions.Berlin.Center);
        var firstRun = (await env.Client.DescribeAsync(DriverSignals.WorkflowId("d-long")))!.RunId;
        const int updates = DriverDefaults.EventsPerRun * 2 + 100;
        var position = Regions.Berlin.Center;
        for (var i = 0; i < updates; i++)
        {
            position = position.Offset(5, 90);
            await env.SendAsync("d-long", new LocationUpdated(position, DateTimeOffset.UtcNow));
        }

        var twin = await DomainEnvironment.EventuallyAsync(() => env.DriverAsync("d-long"), d => d?.EventsHandled == updates + 1, "every update to be handled");

        Assert.Equal(DriverState.WaitingForWork, twin!.State);
        Assert.Equal(position, twin.Location);
        var description = await env.Client.DescribeAsync(DriverSignals.WorkflowId("d-long"));
        Assert.NotEqual(firstRun, description!.RunId);
        Assert.True(description.HistoryLength < DriverDefaults.EventsPerRun * 4, $"history length {description.HistoryLength} stays bounded");
        var previous = await env.Client.GetHistoryAsync(DriverSignals.WorkflowId("d-long"), firstRun);
        Assert.Equal(HistoryEventType.WorkflowContinuedAsNew, previous[^1].Type);
    }

    [Fact]
    public async Task RunAsync_RequestInWrongState_IsRefusedWithReason()
    {
        await using var env = await DomainEnvironment.StartAsync();
        await env.StartShiftAsync("d-wrong", Regions.Amsterdam, Regions.Amsterdam.Center);

        await env.SendAsync("d-wrong", new PickedUp("delivery-nothing"));
        var twin = await DomainEnvironment.EventuallyAsync(() => env.DriverAsync("d-wrong"), d => d?.LastRejection is not null, "the refusal");

        Assert.Equal(DriverState.WaitingForWork, twin!.State);
        Assert.Equal("Pickup of delivery-nothing refused: the driver is WaitingForWork.", twin.LastRejection);
    }

    [Fact]
    public async Task RunAsync_TwoWaitingDrivers_NearestToRestaurantGetsTheJob()
    {
        await using var env = await DomainEnvironment.StartAsync();
        var restaurant = Catalog.Find("bites_n_bytes")!;
        await env.StartShiftAsync("far", Regions.SanJose, restaurant.Location.Offset(4_000, 180));
        await env.StartShiftAsync("near", Regions.SanJose, restaurant.Location.Offset(300, 0));
        await DomainEnvironment.EventuallyAsync(() => env.Client.DescribeAsync(Regions.SanJose.MatcherWorkflowId),
            d => DurableJson.Deserialize<MatcherStatus>(d!.CustomStatus).WaitingDrivers.Count == 2, "both drivers to wait for work");

        var order = new OrderRequest { Id = "o-nearest", RestaurantId = restaurant.Id, Products = [new OrderProduct("1002", null, 1)], TotalCost = 8.5m };
        await env.Client.StartAsync<OrderWorkflow, OrderRequest, OrderResult>(order.Id, order);
        await DomainEnvironment.EventuallyAsync(() => env.OrderStatusAsync(order.Id), s => s?.State == OrderState.InPreparation, "preparation");
        await env.Client.SignalAsync(order.Id, OrderSignals.Prepared, new Prepared());

        var status = await DomainEnvironment.EventuallyAsync(() => env.OrderStatusAsync(order.Id), s => s?.DriverId is not null, "a driver");
        Assert.Equal("near", status!.DriverId);
        Assert.Equal(OrderState.WaitingForDriver, status.State);
        Assert.NotNull(status.EtaAt);
        Assert.Null((await env.DriverAsync("far"))!.Job);
    }

    [Fact]
    public void Nearest_EqualDistance_LongestWaitingWins()
    {
        var spot = Regions.SanJose.Center;
        var delivery = new PendingDelivery("d", spot.Offset(1000, 0), DateTimeOffset.UnixEpoch, 10);
        WaitingDriver[] drivers = [new("late", spot, 10, 7), new("early", spot, 10, 3), new("far", spot.Offset(5000, 0), 10, 1)];

        Assert.Equal("early", RegionMatcherWorkflow.Nearest(drivers, delivery).DriverId);
    }

    [Fact]
    public void Estimate_BeforeAndAfterPickup_CountsTheRightLegs()
    {
        var restaurant = Regions.Berlin.Center;
        var customer = restaurant.Offset(2_000, 90);
        var driver = restaurant.Offset(1_000, 270);
        var now = DateTimeOffset.UnixEpoch;

        var before = Eta.Estimate(now, driver, restaurant, customer, pickedUp: false, speedMetersPerSecond: 10);
        var after = Eta.Estimate(now, restaurant, restaurant, customer, pickedUp: true, speedMetersPerSecond: 10);

        Assert.InRange((before - now).TotalSeconds, 299, 301);
        Assert.InRange((after - now).TotalSeconds, 199, 201);
    }
}
