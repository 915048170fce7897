using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Durable;
using FoodOrdering.Domain.Orders;
using FoodOrdering.Domain.Payments;
using FoodOrdering.Domain.Restaurants;
using FoodOrdering.Host.Food;

namespace FoodOrdering.Tests;

/// <summary>Restaurants, their kitchens (the simulated point of sale), the "prepared" callback, the kitchen display; the payment ledger.</summary>
public sealed class RestaurantsApiTests(HostFactory host) : IClassFixture<HostFactory>
{
    private const string Restaurant = HostFactory.TokenRestaurant;

    private readonly HttpClient _client = host.CreateHttpClient();

    /// <summary>An order the restaurant is cooking for much longer than any test runs (twenty pizzas).</summary>
    private async Task<string> CookingOrderAsync(string prefix)
    {
        var id = Api.NewId(prefix);
        await _client.PlaceOrderAsync(id, deliveryDelayMs: 0, restaurantId: Restaurant, productId: Api.Pizza, quantity: 20);
        await _client.OrderInStateAsync(id, OrderState.InPreparation);
        return id;
    }

    private Task<HttpResponseMessage> CallBackAsync(string restaurantId, string orderId, AuthenticationHeaderValue? authorization)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/api/restaurants/{restaurantId}/orders/{orderId}/prepared") { Headers = { Authorization = authorization } };
        return _client.SendAsync(request);
    }

    private static AuthenticationHeaderValue Bearer(string token) => new("Bearer", token);

    private async Task<List<KitchenOrder>> QueueAsync(string restaurantId) =>
        (await _client.GetFromJsonAsync<List<KitchenOrder>>($"/api/restaurants/{restaurantId}/queue", Api.Json))!;

    [Fact]
    public async Task List_Always_ReturnsEveryRestaurantWithItsMenu()
    {
        var restaurants = (await _client.GetFromJsonAsync<List<RestaurantView>>("/api/restaurants", Api.Json))!;

        Assert.Equal(Catalog.All.Select(r => r.Id), restaurants.Select(r => r.Id));
        // The reference demo's restaurants and products work unchanged.
        foreach (var demo in new[] { "bites_n_bytes", "snack_in_the_box", "mcstate" })
        {
            var restaurant = Assert.Single(restaurants, r => r.Id == demo);
            Assert.Equal("san-jose", restaurant.RegionId);
            Assert.Subset(restaurant.Menu.Select(p => p.ProductId).ToHashSet(), new HashSet<string> { "1000", "1001", "1002", "1003" });
        }
        Assert.Equal(["amsterdam", "berlin", "san-jose"], restaurants.Select(r => r.RegionId).Distinct().Order(StringComparer.Ordinal));
        Assert.All(restaurants, r => Assert.True(r.Cooks > 0 && r.Menu.Count > 0 && r.Location.IsValid));
    }

    [Fact]
    public async Task Queue_UnknownRestaurant_Returns404()
    {
        using var response = await _client.GetAsync("/api/restaurants/nowhere/queue");

        var problem = await response.ReadProblemAsync(HttpStatusCode.NotFound);
        Assert.Contains("nowhere", problem.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Kitchen_QuickOrder_PreparedAndCalledBackByItself()
    {
        // snack_in_the_box has no configured token: the host made one up, and its own kitchen must present it.
        var id = Api.NewId("auto");
        await _client.PlaceOrderAsync(id, deliveryDelayMs: 0, restaurantId: "snack_in_the_box", productId: Api.Lemonade);

        await _client.OrderInStateAsync(id, OrderState.SchedulingDelivery);

        var kitchenOrder = await Api.PollAsync(async _ => (await QueueAsync("snack_in_the_box")).Single(k => k.OrderId == id),
            k => k.State == KitchenOrderState.Notified, "the kitchen to record its callback");
        Assert.Equal(1, kitchenOrder.CallbackAttempts);
        Assert.Null(kitchenOrder.LastCallbackError);
        Assert.NotNull(kitchenOrder.ReadyAt);
        var history = await _client.GetHistoryAsync(id);
        Assert.Single(history, e => e.Type == HistoryEventType.SignalReceived && e.Name == OrderSignals.Prepared);
    }

    [Fact]
    public async Task Prepared_NoToken_Returns401()
    {
        var id = await CookingOrderAsync("no-token");

        using var response = await CallBackAsync(Restaurant, id, authorization: null);

        var problem = await response.ReadProblemAsync(HttpStatusCode.Unauthorized);
        Assert.Contains("bearer token", problem.Detail, StringComparison.Ordinal);
        Assert.Equal(OrderState.InPreparation, (await _client.GetOrderAsync(id))!.Status!.State);
    }

    [Theory]
    [InlineData("Bearer", "wrong-token")]
    [InlineData("Bearer", HostFactory.RestaurantToken + "x")]
    [InlineData("Basic", HostFactory.RestaurantToken)]
    public async Task Prepared_WrongToken_Returns401(string scheme, string token)
    {
        using var response = await CallBackAsync(Restaurant, "any-order", new AuthenticationHeaderValue(scheme, token));

        await response.ReadProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Prepared_AnotherRestaurantsToken_Returns401()
    {
        using var response = await CallBackAsync("mcstate", "any-order", Bearer(HostFactory.RestaurantToken));

        await response.ReadProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Prepared_UnknownRestaurant_Returns404()
    {
        using var response = await CallBackAsync("nowhere", "any-order", Bearer(HostFactory.RestaurantToken));

        await response.ReadProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Prepared_RightTokenUnknownOrder_Returns404()
    {
        using var response = await CallBackAsync(Restaurant, "no-such-order", Bearer(HostFactory.RestaurantToken));

        var problem = await response.ReadProblemAsync(HttpStatusCode.NotFound);
        Assert.Equal($"Restaurant {Restaurant} has no order 'no-such-order'.", problem.Detail);
    }

    [Fact]
    public async Task Prepared_RightTokenOrderOfAnotherRestaurant_Returns404()
    {
        var id = Api.NewId("elsewhere");
        await _client.PlaceOrderAsync(id, deliveryDelayMs: 3_600_000, restaurantId: "mcstate");
        await _client.OrderInStateAsync(id, OrderState.Scheduled);

        using var response = await CallBackAsync(Restaurant, id, Bearer(HostFactory.RestaurantToken));

        await response.ReadProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Prepared_RightToken_MovesTheOrderToDelivery()
    {
        var id = await CookingOrderAsync("callback");

        using var response = await CallBackAsync(Restaurant, id, Bearer(HostFactory.RestaurantToken));

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        await _client.OrderInStateAsync(id, OrderState.SchedulingDelivery);
        // The kitchen itself still thinks it is cooking: the display's button frees the cook.
        using var done = await _client.PostAsync($"/api/restaurants/{Restaurant}/orders/{id}/mark-prepared", content: null);
        Assert.Equal(HttpStatusCode.Accepted, done.StatusCode);
    }

    [Fact]
    public async Task Prepared_RightTokenEndedOrder_Returns410()
    {
        var id = await CookingOrderAsync("ended");
        using (var terminate = await _client.PostAsync($"/api/workflows/{id}/terminate", content: null))
        {
            Assert.Equal(HttpStatusCode.NoContent, terminate.StatusCode);
        }

        using var response = await CallBackAsync(Restaurant, id, Bearer(HostFactory.RestaurantToken));

        await response.ReadProblemAsync(HttpStatusCode.Gone);
        using var done = await _client.PostAsync($"/api/restaurants/{Restaurant}/orders/{id}/mark-prepared", content: null);
    }

    [Fact]
    public async Task MarkPrepared_CookingOrder_KitchenCallsBackAndTheOrderMovesOn()
    {
        var id = await CookingOrderAsync("display");
        var cooking = (await QueueAsync(Restaurant)).Single(k => k.OrderId == id);
        Assert.Contains(cooking.State, new[] { KitchenOrderState.Queued, KitchenOrderState.Cooking });
        Assert.Equal(20, Assert.Single(cooking.Products).Quantity);

        using var response = await _client.PostAsync($"/api/restaurants/{Restaurant}/orders/{id}/mark-prepared", content: null);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal($"/api/restaurants/{Restaurant}/queue", response.Headers.Location?.OriginalString);
        var order = await _client.OrderInStateAsync(id, OrderState.SchedulingDelivery);
        Assert.Equal([OrderState.Created, OrderState.Scheduled, OrderState.InPreparation, OrderState.SchedulingDelivery], order.Status!.History.Select(h => h.State));
        await Api.PollAsync(async _ => (await QueueAsync(Restaurant)).Single(k => k.OrderId == id), k => k.State == KitchenOrderState.Notified,
            "the kitchen to report the order");
    }

    [Fact]
    public async Task MarkPrepared_TwiceOrUnknown_Returns409()
    {
        var id = await CookingOrderAsync("display-twice");
        using (var first = await _client.PostAsync($"/api/restaurants/{Restaurant}/orders/{id}/mark-prepared", content: null))
        {
            Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        }

        using var second = await _client.PostAsync($"/api/restaurants/{Restaurant}/orders/{id}/mark-prepared", content: null);
        using var unknown = await _client.PostAsync($"/api/restaurants/{Restaurant}/orders/no-such-order/mark-prepared", content: null);

        await second.ReadProblemAsync(HttpStatusCode.Conflict);
        await unknown.ReadProblemAsync(HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task MarkPrepared_UnknownRestaurant_Returns404()
    {
        using var response = await _client.PostAsync("/api/restaurants/nowhere/orders/x/mark-prepared", content: null);

        await response.ReadProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Payments_UnknownOrder_ReturnsAnEmptyLedger()
    {
        Assert.Empty(await _client.PaymentsAsync("no-such-order"));
    }

    [Fact]
    public async Task PaymentProvider_SameIdempotencyKeyTwice_ChargesOnce()
    {
        var orderId = Api.NewId("provider");
        var request = new ChargeRequest(orderId, Guid.NewGuid().ToString("N"), 12.30m);

        using var first = await _client.PostAsJsonAsync("/payments-provider/charges", request, Api.Json);
        using var second = await _client.PostAsJsonAsync("/payments-provider/charges", request, Api.Json);

        var a = (await first.Content.ReadFromJsonAsync<ChargeResult>(Api.Json))!;
        var b = (await second.Content.ReadFromJsonAsync<ChargeResult>(Api.Json))!;
        Assert.True(a.Approved);
        Assert.Equal(a, b);
        Assert.Single(await _client.PaymentsAsync(orderId));
    }
}
