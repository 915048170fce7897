using System.Net;
using System.Net.Http.Json;
using System.Text;
using Durable;
using FoodOrdering.Domain.Orders;
using FoodOrdering.Domain.Restaurants;
using FoodOrdering.Host.Api;
using FoodOrdering.Host.Food;
using FoodOrdering.Kafka;
using Microsoft.Extensions.DependencyInjection;

namespace FoodOrdering.Tests;

/// <summary>The shop's API: placing (through Kafka), reading, cancelling and following orders.</summary>
public sealed class OrdersApiTests(HostFactory host) : IClassFixture<HostFactory>
{
    private const long AnHour = 3_600_000;

    private readonly HttpClient _client = host.CreateHttpClient();

    public static TheoryData<string, string, string> InvalidOrders => new()
    {
        // body, field, part of the message
        { """{"id":"o-1","restaurantId":"nowhere","products":[{"productId":"1000","quantity":1}],"totalCost":10.9}""", "restaurantId", "Unknown restaurant 'nowhere'" },
        { """{"id":"o-1","products":[{"productId":"1000","quantity":1}],"totalCost":10.9}""", "restaurantId", "Unknown restaurant" },
        { """{"id":"o-1","restaurantId":"mcstate","products":[],"totalCost":10.9}""", "products", "1 to 50 products" },
        { """{"id":"o-1","restaurantId":"mcstate","totalCost":10.9}""", "products", "1 to 50 products" },
        { """{"id":"o-1","restaurantId":"mcstate","products":[{"productId":"1000","quantity":0}],"totalCost":10.9}""", "products", "quantity must be between 1 and 99" },
        { """{"id":"o-1","restaurantId":"mcstate","products":[{"productId":"1000","quantity":100}],"totalCost":10.9}""", "products", "quantity must be between 1 and 99" },
        { """{"id":"o-1","restaurantId":"mcstate","products":[{"productId":"2000","quantity":1}],"totalCost":10.9}""", "products", "'2000' is not on the menu of McState" },
        { """{"id":"o-1","restaurantId":"mcstate","products":[{"productId":"1000","quantity":1}],"totalCost":10.9,"deliveryDelay":-5}""", "deliveryDelay", "in milliseconds" },
        { """{"id":"o-1","restaurantId":"mcstate","products":[{"productId":"1000","quantity":1}],"totalCost":-1}""", "totalCost", "between 0 and" },
        { """{"id":"no spaces","restaurantId":"mcstate","products":[{"productId":"1000","quantity":1}],"totalCost":10.9}""", "id", "letters, digits" },
        { """{"id":"a/b","restaurantId":"mcstate","products":[{"productId":"1000","quantity":1}],"totalCost":10.9}""", "id", "letters, digits" },
        { """{"id":"o-1","restaurantId":"mcstate","products":[{"productId":"1000","quantity":1}],"totalCost":10.9,"deliveryLocation":{"lat":91,"lon":0}}""", "deliveryLocation", "latitude" },
    };

    [Theory]
    [MemberData(nameof(InvalidOrders))]
    public async Task Place_InvalidOrder_Returns400ValidationProblemNamingTheField(string body, string field, string message)
    {
        using var content = new StringContent(body, Encoding.UTF8, "application/json");

        using var response = await _client.PostAsync("/api/orders", content);

        var problem = await response.ReadValidationProblemAsync();
        Assert.True(problem.Errors.TryGetValue(field, out var errors), $"errors: {string.Join(", ", problem.Errors.Keys)}");
        Assert.Contains(errors, e => e.Contains(message, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Place_SeveralBrokenFields_NamesEachOfThem()
    {
        using var response = await _client.PostAsJsonAsync("/api/orders", new { id = "x y", restaurantId = "nowhere", products = Array.Empty<object>(), deliveryDelay = -1 });

        var problem = await response.ReadValidationProblemAsync();
        Assert.Equal(["deliveryDelay", "id", "products", "restaurantId"], problem.Errors.Keys.Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("{not json")]
    [InlineData("")]
    [InlineData("""{"id":"o-1","deliveryDelay":"soon"}""")]
    public async Task Place_UnreadableBody_Returns400ProblemDetails(string body)
    {
        using var content = new StringContent(body, Encoding.UTF8, "application/json");

        using var response = await _client.PostAsync("/api/orders", content);

        var problem = await response.ReadProblemAsync(HttpStatusCode.BadRequest);
        Assert.False(string.IsNullOrEmpty(problem.Detail));
    }

    [Fact]
    public async Task Place_ValidOrder_Returns202WithIdAndLinksAndTheOrderStarts()
    {
        var id = Api.NewId("place");

        using var response = await _client.PostAsJsonAsync("/api/orders", new
        {
            id, restaurantId = "mcstate", products = new[] { new { productId = "1002", description = "Cheese burger", quantity = 2 } }, totalCost = 17.0m, deliveryDelay = AnHour,
        });

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal($"/api/orders/{id}", response.Headers.Location?.OriginalString);
        var accepted = (await response.Content.ReadFromJsonAsync<OrderAccepted>(Api.Json))!;
        Assert.Equal(new OrderAccepted(id, $"/api/orders/{id}", $"/api/orders/{id}/events", accepted.CancelToken), accepted);
        Assert.True(accepted.CancelToken.Length >= 40, "the cancel token is a 256-bit value");
        var order = await _client.OrderInStateAsync(id, OrderState.Scheduled);
        Assert.Equal(WorkflowStatus.Running, order.WorkflowStatus);
        Assert.Equal("mcstate", order.Status!.RestaurantId);
        Assert.Equal("san-jose", order.Status.RegionId);
        Assert.Equal(17.0m, order.Status.TotalCost);
        Assert.Equal([OrderState.Created, OrderState.Scheduled], order.Status.History.Select(h => h.State));
        var charge = Assert.Single(await _client.PaymentsAsync(id));
        Assert.Equal(("charge", "approved", 17.0m), (charge.Kind, charge.Status, charge.Amount));
    }

    [Fact]
    public async Task Place_NoId_GeneratesOne()
    {
        using var response = await _client.PostAsJsonAsync("/api/orders", new
        {
            restaurantId = "mcstate", products = new[] { new { productId = "1002", quantity = 1 } }, totalCost = 8.5m, deliveryDelay = AnHour,
        });

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var accepted = (await response.Content.ReadFromJsonAsync<OrderAccepted>(Api.Json))!;
        Assert.StartsWith("order-", accepted.Id, StringComparison.Ordinal);
        Assert.Equal($"/api/orders/{accepted.Id}", response.Headers.Location?.OriginalString);
        await _client.OrderInStateAsync(accepted.Id, OrderState.Scheduled);
    }

    [Fact]
    public async Task Place_SameIdTwice_OneRunAndOneCharge()
    {
        var id = Api.NewId("twice");
        var intake = host.Services.GetRequiredService<OrderIntakeConsumer>();
        var consumedBefore = intake.Consumed;

        await _client.PlaceOrderAsync(id, AnHour);
        await _client.PlaceOrderAsync(id, AnHour);

        // Both records were handled (this class's tests run one at a time, so nothing else is consumed meanwhile).
        await Api.PollAsync(_ => Task.FromResult(intake.Consumed), consumed => consumed >= consumedBefore + 2, "both records to be consumed");
        await _client.OrderInStateAsync(id, OrderState.Scheduled);
        var runs = (await _client.GetFromJsonAsync<Host.Api.WorkflowListDto>($"/api/workflows?idPrefix={id}", Api.Json))!;
        Assert.Single(runs.Items);
        Assert.Single(await _client.PaymentsAsync(id));
    }

    [Fact]
    public async Task Get_UnknownOrder_Returns404ProblemDetails()
    {
        using var response = await _client.GetAsync("/api/orders/no-such-order");

        var problem = await response.ReadProblemAsync(HttpStatusCode.NotFound);
        Assert.Equal("Order not found", problem.Title);
        Assert.Contains("no-such-order", problem.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Get_MatcherWorkflowId_Returns404BecauseItIsNoOrder()
    {
        using var response = await _client.GetAsync("/api/orders/matcher-san-jose");

        await response.ReadProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task List_PlacedOrder_IsListedWithItsStatus()
    {
        var id = Api.NewId("listed");
        await _client.PlaceOrderAsync(id, AnHour);
        await _client.OrderInStateAsync(id, OrderState.Scheduled);

        var orders = (await _client.GetFromJsonAsync<List<OrderView>>("/api/orders?pageSize=500", Api.Json))!;

        var order = Assert.Single(orders, o => o.Id == id);
        Assert.Equal(OrderState.Scheduled, order.Status!.State);
        Assert.All(orders, o => Assert.DoesNotContain("matcher", o.Id, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Cancel_BeforePreparation_CancelledAndRefunded()
    {
        var id = Api.NewId("cancel");
        var placed = await _client.PlaceOrderAsync(id, AnHour);
        await _client.OrderInStateAsync(id, OrderState.Scheduled);
        using var customer = host.CreateHttpClient(asOperator: false);
        customer.DefaultRequestHeaders.Authorization = new("Bearer", placed.CancelToken);

        using var response = await customer.PostAsync($"/api/orders/{id}/cancel", content: null);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var accepted = (await response.Content.ReadFromJsonAsync<CancelAccepted>(Api.Json))!;
        Assert.Equal(id, accepted.Id);
        var order = await _client.OrderUntilAsync(id, o => o.WorkflowStatus != WorkflowStatus.Running);
        Assert.Equal(WorkflowStatus.Completed, order.WorkflowStatus);
        Assert.Equal(OrderState.Cancelled, order.Status!.State);
        Assert.True(order.Status.Refunded);
        Assert.Equal("Cancelled by the customer.", order.Status.Reason);
        Assert.Equal([OrderState.Created, OrderState.Scheduled, OrderState.Cancelled], order.Status.History.Select(h => h.State));
        var payments = await _client.PaymentsAsync(id);
        Assert.Equal([("charge", "approved"), ("refund", "refunded")], payments.Select(p => (p.Kind, p.Status)));
        Assert.Equal(payments[0].Amount, payments[1].Amount);
        // The restaurant never heard of it.
        var queue = (await _client.GetFromJsonAsync<List<KitchenOrder>>("/api/restaurants/bites_n_bytes/queue", Api.Json))!;
        Assert.DoesNotContain(queue, k => k.OrderId == id);
    }

    [Fact]
    public async Task Cancel_AfterPreparationStarted_Returns409WithAClearMessage()
    {
        var id = Api.NewId("cancel-late");
        // Twenty pizzas keep a cook busy far longer than this test.
        await _client.PlaceOrderAsync(id, deliveryDelayMs: 0, restaurantId: "mcstate", productId: Api.Pizza, quantity: 20);
        await _client.OrderInStateAsync(id, OrderState.InPreparation);

        using var response = await _client.PostAsync($"/api/orders/{id}/cancel", content: null);

        var problem = await response.ReadProblemAsync(HttpStatusCode.Conflict);
        Assert.Equal("The order can no longer be cancelled", problem.Title);
        Assert.Equal($"Order {id} is IN_PREPARATION: it can be cancelled only before the restaurant starts preparing it.", problem.Detail);
        var order = await _client.GetOrderAsync(id);
        Assert.Equal(OrderState.InPreparation, order!.Status!.State);
        Assert.False(order.Status.Refunded);

        // Free the cook for the other tests of this class.
        using var terminate = await _client.PostAsync($"/api/workflows/{id}/terminate", content: null);
        using var prepared = await _client.PostAsync($"/api/restaurants/mcstate/orders/{id}/mark-prepared", content: null);
    }

    [Fact]
    public async Task Cancel_RejectedOrder_Returns409()
    {
        var id = Api.NewId("decline-then-cancel");
        await _client.PlaceOrderAsync(id, AnHour);
        await _client.OrderInStateAsync(id, OrderState.Rejected);

        using var response = await _client.PostAsync($"/api/orders/{id}/cancel", content: null);

        var problem = await response.ReadProblemAsync(HttpStatusCode.Conflict);
        Assert.Contains("is REJECTED", problem.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cancel_UnknownOrder_Returns404()
    {
        using var response = await _client.PostAsync("/api/orders/no-such-order/cancel", content: null);

        await response.ReadProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Place_IdWithDeclineMarker_RejectedWithoutRefundOrKitchen()
    {
        var id = Api.NewId("decline");

        await _client.PlaceOrderAsync(id, deliveryDelayMs: 0);

        var order = await _client.OrderUntilAsync(id, o => o.WorkflowStatus != WorkflowStatus.Running);
        Assert.Equal(WorkflowStatus.Completed, order.WorkflowStatus);
        Assert.Equal(OrderState.Rejected, order.Status!.State);
        Assert.Equal("The card was declined.", order.Status.Reason);
        Assert.Equal([OrderState.Created, OrderState.Rejected], order.Status.History.Select(h => h.State));
        Assert.False(order.Status.Refunded);
        var charge = Assert.Single(await _client.PaymentsAsync(id));
        Assert.Equal(("charge", "declined"), (charge.Kind, charge.Status));
        var queue = (await _client.GetFromJsonAsync<List<KitchenOrder>>("/api/restaurants/bites_n_bytes/queue", Api.Json))!;
        Assert.DoesNotContain(queue, k => k.OrderId == id);
    }

    [Fact]
    public async Task Events_OrderFollowedToItsDoor_StreamsTheSnapshotThenEachChangeUntilDelivered()
    {
        // Berlin has no driver in this class's host until the test starts one, so the order waits for it in SCHEDULING_DELIVERY.
        var id = Api.NewId("follow");
        var restaurant = Catalog.Find("curry_36")!;
        await _client.PlaceOrderAsync(id, deliveryDelayMs: 0, restaurantId: restaurant.Id, productId: "2002", deliveryLocation: restaurant.Location.Offset(300, 90));
        await _client.OrderInStateAsync(id, OrderState.SchedulingDelivery);
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));

        using var stream = await _client.OpenEventStreamAsync($"/api/orders/{id}/events", deadline.Token);
        var views = new List<OrderView>();
        Task<string>? driving = null;
        await foreach (var (_, view) in stream.ReadEventsAsync<OrderView>(deadline.Token))
        {
            views.Add(view);
            if (driving is null)
            {
                // The snapshot is in: now a driver comes along and does the job.
                await _client.StartShiftAsync(Api.NewId("berliner"), "berlin", restaurant.Location.Offset(500, 0));
                driving = _client.DeliverAsync(id);
            }
        }
        var driverId = await driving!;

        Assert.Equal(OrderState.SchedulingDelivery, views[0].Status!.State);
        Assert.Equal(WorkflowStatus.Running, views[0].WorkflowStatus);
        var states = views.Select(v => v.Status!.State).Distinct().ToList();
        Assert.Equal([OrderState.SchedulingDelivery, OrderState.WaitingForDriver, OrderState.InDelivery, OrderState.Delivered], states);
        Assert.Equal(WorkflowStatus.Completed, views[^1].WorkflowStatus);
        Assert.Equal(driverId, views[^1].Status!.DriverId);
        Assert.All(views, v => Assert.Equal(id, v.Id));
        Assert.Equal(
            [OrderState.Created, OrderState.Scheduled, OrderState.InPreparation, OrderState.SchedulingDelivery, OrderState.WaitingForDriver, OrderState.InDelivery, OrderState.Delivered],
            views[^1].Status!.History.Select(h => h.State));
    }

    [Fact]
    public async Task Events_EndedOrder_SendsTheSnapshotAndCloses()
    {
        var id = Api.NewId("decline-ended");
        await _client.PlaceOrderAsync(id, deliveryDelayMs: 0);
        await _client.OrderUntilAsync(id, o => o.WorkflowStatus == WorkflowStatus.Completed);
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));

        using var stream = await _client.OpenEventStreamAsync($"/api/orders/{id}/events", deadline.Token);
        var views = new List<OrderView>();
        await foreach (var (_, view) in stream.ReadEventsAsync<OrderView>(deadline.Token))
        {
            views.Add(view);
        }

        var only = Assert.Single(views);
        Assert.Equal(OrderState.Rejected, only.Status!.State);
    }

    [Fact]
    public async Task AllEvents_NoChangeYet_OpensAtOnceSubscribedAndStreamsLaterOrders()
    {
        var id = Api.NewId("all-events");
        var hub = host.Services.GetRequiredService<ChangeHub>();
        var subscribers = hub.Subscribers;
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));

        // Nothing changes before the headers arrive: the stream opens by itself, already subscribed.
        using var stream = await _client.OpenEventStreamAsync("/api/orders/events", deadline.Token);
        Assert.True(hub.Subscribers > subscribers, "the stream subscribes to the change hub before it opens");
        using var reader = new StreamReader(await stream.Content.ReadAsStreamAsync(deadline.Token));
        Assert.Equal($"retry: {EventStreamResponse.RetryMilliseconds}", await reader.ReadLineAsync(deadline.Token));
        Assert.Equal("", await reader.ReadLineAsync(deadline.Token));

        await _client.PlaceOrderAsync(id, AnHour);
        var seen = new List<OrderView>();
        await foreach (var (_, view) in reader.ReadEventsAsync<OrderView>(deadline.Token))
        {
            // Other orders of this class may still be finishing; only orders are streamed, never twins or matchers.
            Assert.True(OrdersApi.OrderType == (await _client.DescribeAsync(view.Id)).Type, $"{view.Id} is an order");
            if (view.Id != id)
            {
                continue;
            }
            seen.Add(view);
            if (view.Status?.State == OrderState.Scheduled)
            {
                break;
            }
        }

        Assert.Equal(WorkflowStatus.Running, seen[^1].WorkflowStatus);
    }
}
