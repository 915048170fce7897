using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using FoodOrdering.Domain.Drivers;
using FoodOrdering.Domain.Orders;
using FoodOrdering.Host.Security;

namespace FoodOrdering.Tests;

/// <summary>Who may do what (operator, restaurant, customer, driver tokens), the limits on one client, and the security headers.</summary>
public sealed class SecurityTests(HostFactory host) : IClassFixture<HostFactory>
{
    private const long AnHour = 3_600_000;
    private readonly HttpClient _operator = host.CreateHttpClient();
    private readonly HttpClient _anonymous = host.CreateHttpClient(asOperator: false);

    private HttpClient ClientWith(string token)
    {
        var client = host.CreateHttpClient(asOperator: false);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    private static async Task AssertUnauthorizedAsync(HttpResponseMessage response)
    {
        var problem = await response.ReadProblemAsync(HttpStatusCode.Unauthorized);
        Assert.Equal("Unauthorized", problem.Title);
        Assert.Contains("bearer token", problem.Detail, StringComparison.Ordinal);
        Assert.Equal("Bearer", Assert.Single(response.Headers.WwwAuthenticate).Scheme);
    }

    [Theory]
    [InlineData("/api/workflows/{order}/signals/prepared")]
    [InlineData("/api/workflows/{order}/cancel")]
    [InlineData("/api/workflows/{order}/terminate")]
    [InlineData("/api/orders/{order}/cancel")]
    [InlineData("/api/restaurants/bites_n_bytes/orders/{order}/mark-prepared")]
    public async Task OperatorAndOrderActions_WithoutOrWithAWrongToken_Return401AndChangeNothing(string route)
    {
        var id = Api.NewId("guarded");
        await _operator.PlaceOrderAsync(id, AnHour);
        await _operator.OrderInStateAsync(id, OrderState.Scheduled);
        var path = route.Replace("{order}", id, StringComparison.Ordinal);
        using var wrong = ClientWith("not-the-token");

        using var anonymous = await _anonymous.PostAsync(path, content: null);
        using var guessed = await wrong.PostAsync(path, content: null);

        await AssertUnauthorizedAsync(anonymous);
        await AssertUnauthorizedAsync(guessed);
        var order = await _operator.GetOrderAsync(id);
        Assert.Equal(OrderState.Scheduled, order!.Status!.State);
        Assert.Equal(Durable.WorkflowStatus.Running, order.WorkflowStatus);
    }

    [Fact]
    public async Task CancelToken_OfAnotherOrder_Returns401AndItsOwnCancels()
    {
        var first = await _operator.PlaceOrderAsync(Api.NewId("mine"), AnHour);
        var second = await _operator.PlaceOrderAsync(Api.NewId("theirs"), AnHour);
        await _operator.OrderInStateAsync(second.Id, OrderState.Scheduled);
        using var customer = ClientWith(first.CancelToken);

        using var other = await customer.PostAsync($"/api/orders/{second.Id}/cancel", content: null);
        await _operator.OrderInStateAsync(first.Id, OrderState.Scheduled);
        using var own = await customer.PostAsync($"/api/orders/{first.Id}/cancel", content: null);

        await AssertUnauthorizedAsync(other);
        Assert.Equal(HttpStatusCode.Accepted, own.StatusCode);
        await _operator.OrderInStateAsync(first.Id, OrderState.Cancelled);
        Assert.Equal(OrderState.Scheduled, (await _operator.GetOrderAsync(second.Id))!.Status!.State);
    }

    [Fact]
    public async Task DriverToken_OfAnotherDriverOrAnEarlierShift_Returns401AndTheCurrentOneWorks()
    {
        var alice = Api.NewId("alice");
        var bob = Api.NewId("bob");
        var aliceFirstShift = await _operator.StartShiftAsync(alice, "berlin");
        var bobToken = await _operator.StartShiftAsync(bob, "berlin");
        await _operator.DriverUntilAsync(alice, d => d.State.State == DriverState.WaitingForWork);
        using (var ended = await ClientWith(aliceFirstShift).DeleteAsync($"/api/drivers/{alice}/shift"))
        {
            Assert.Equal(HttpStatusCode.Accepted, ended.StatusCode);
        }
        await _operator.DriverUntilAsync(alice, d => d.State.State == DriverState.Idle);
        var aliceToken = await _operator.StartShiftAsync(alice, "berlin");
        await _operator.DriverUntilAsync(alice, d => d.State.State == DriverState.WaitingForWork && d.State.ShiftId is not null);
        var at = new { lat = 52.52, lon = 13.40 };

        using var asBob = await ClientWith(bobToken).PostAsJsonAsync($"/api/drivers/{alice}/location", at);
        using var stale = await ClientWith(aliceFirstShift).PostAsJsonAsync($"/api/drivers/{alice}/location", at);
        using var none = await _anonymous.PostAsJsonAsync($"/api/drivers/{alice}/pickup", new { deliveryId = "d-1" });
        using var current = await ClientWith(aliceToken).PostAsJsonAsync($"/api/drivers/{alice}/location", at);

        await AssertUnauthorizedAsync(asBob);
        await AssertUnauthorizedAsync(stale);
        await AssertUnauthorizedAsync(none);
        Assert.Equal(HttpStatusCode.Accepted, current.StatusCode);
        await _operator.DriverUntilAsync(alice, d => d.State.Location == new FoodOrdering.Domain.Geo.GeoPoint(52.52, 13.40));
    }

    [Fact]
    public async Task PreparedCallback_WithAnotherRestaurantsToken_Returns401()
    {
        var id = Api.NewId("callback");
        await _operator.PlaceOrderAsync(id, deliveryDelayMs: 0, restaurantId: "mcstate", productId: "1002");
        using var bites = ClientWith(HostFactory.RestaurantToken);

        using var response = await bites.PostAsync($"/api/restaurants/mcstate/orders/{id}/prepared", content: null);

        await AssertUnauthorizedAsync(response);
    }

    [Fact]
    public async Task AnyResponse_Always_CarriesTheSecurityHeadersAndTheContentSecurityPolicy()
    {
        using var response = await _anonymous.GetAsync("/api/restaurants");

        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
        Assert.Equal("no-referrer", response.Headers.GetValues("Referrer-Policy").Single());
        var policy = response.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("script-src 'self'", policy, StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", policy, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LocalCredentials_FromThisMachine_ReturnsTheOperatorTokenAndOtherwise403()
    {
        var local = await _anonymous.GetFromJsonAsync<LocalCredentials>("/api/auth/local", Api.Json);
        using var rebound = new HttpRequestMessage(HttpMethod.Get, "/api/auth/local") { Headers = { Host = "evil.example" } };
        using var proxied = new HttpRequestMessage(HttpMethod.Get, "/api/auth/local") { Headers = { { "X-Forwarded-For", "203.0.113.9" } } };

        using var reboundResponse = await _anonymous.SendAsync(rebound);
        using var proxiedResponse = await _anonymous.SendAsync(proxied);

        Assert.Equal(HostFactory.OperatorToken, local!.OperatorToken);
        Assert.Equal("Not available here", (await reboundResponse.ReadProblemAsync(HttpStatusCode.Forbidden)).Title);
        Assert.Equal("Not available here", (await proxiedResponse.ReadProblemAsync(HttpStatusCode.Forbidden)).Title);
    }

    [Fact]
    public async Task Body_LargerThanTheLimit_Returns413ProblemDetails()
    {
        var huge = new string('x', 100_000);

        using var response = await _anonymous.PostAsJsonAsync("/api/orders", new { id = "big", restaurantId = huge });

        var problem = await response.ReadProblemAsync(HttpStatusCode.RequestEntityTooLarge);
        Assert.Equal("The request body is too large", problem.Title);
    }

    [Fact]
    public async Task RateLimit_Exceeded_Returns429WithRetryAfterAndCountsIt_TheOperatorIsNotLimited()
    {
        await using var limited = new HostFactory(new() { ["Security:RequestsPerSecond"] = "1", ["Security:RequestBurst"] = "3" });
        using var client = limited.CreateHttpClient(asOperator: false);
        using var operatorClient = limited.CreateHttpClient();
        using var rejections = new RejectionCounter();

        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? refused = null;
        for (var i = 0; i < 10 && refused is null; i++)
        {
            var response = await client.GetAsync("/api/restaurants");
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                refused = response;
            }
            else
            {
                response.Dispose();
            }
        }
        using var operatorResponse = await operatorClient.GetAsync("/api/restaurants");

        Assert.NotNull(refused);
        using (refused)
        {
            var problem = await refused.ReadProblemAsync(HttpStatusCode.TooManyRequests);
            Assert.Equal("Too many requests", problem.Title);
            Assert.True(refused.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1), "Retry-After names when to come back");
        }
        Assert.True(statuses.Count(s => s == HttpStatusCode.OK) >= 3, "the burst passes");
        Assert.Equal(HttpStatusCode.OK, operatorResponse.StatusCode);
        Assert.True(rejections.Count(SecurityMetrics.RateLimited) >= 1);
    }

    [Fact]
    public async Task EventStreams_MoreThanTheLimitPerClient_Returns429UntilOneCloses()
    {
        await using var limited = new HostFactory(new() { ["Security:SseConnectionsPerClient"] = "2" });
        using var client = limited.CreateHttpClient(asOperator: false);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        // The change feed sends a first line at once, so its headers arrive without waiting for a change.
        var first = await client.OpenEventStreamAsync("/api/workflows/changes", stop.Token);
        using var second = await client.OpenEventStreamAsync("/api/workflows/changes", stop.Token);

        using (var third = await client.GetAsync("/api/orders/events", HttpCompletionOption.ResponseHeadersRead, stop.Token))
        {
            var problem = await third.ReadProblemAsync(HttpStatusCode.TooManyRequests);
            Assert.Equal("Too many event streams", problem.Title);
        }
        first.Dispose();
        // The slot comes back when the server sees the stream end.
        var again = await Api.PollAsync(async ct =>
        {
            var response = await client.GetAsync("/api/workflows/changes", HttpCompletionOption.ResponseHeadersRead, ct);
            if (response.StatusCode == HttpStatusCode.OK)
            {
                return response;
            }
            response.Dispose();
            return null;
        }, r => r is not null, "a stream slot to free up");
        again!.Dispose();
    }

    /// <summary>Counts the host's refusals by reason while it lives.</summary>
    private sealed class RejectionCounter : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly Dictionary<string, long> _counts = [];

        public RejectionCounter()
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == FoodOrdering.Host.Security.SecurityMetrics.MeterName && instrument.Name == "foodordering.security.rejected")
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
            {
                foreach (var tag in tags)
                {
                    if (tag.Key == "reason" && tag.Value is string reason)
                    {
                        lock (_counts)
                        {
                            _counts[reason] = _counts.GetValueOrDefault(reason) + value;
                        }
                    }
                }
            });
            _listener.Start();
        }

        public long Count(string reason)
        {
            lock (_counts)
            {
                return _counts.GetValueOrDefault(reason);
            }
        }

        public void Dispose() => _listener.Dispose();
    }
}
