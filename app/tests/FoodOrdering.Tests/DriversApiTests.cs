using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using FoodOrdering.Domain.Delivery;
using FoodOrdering.Domain.Drivers;
using FoodOrdering.Domain.Geo;
using FoodOrdering.Domain.Orders;
using FoodOrdering.Domain.Restaurants;
using FoodOrdering.Host.Food;

namespace FoodOrdering.Tests;

/// <summary>The driver's phone API: shifts, assignments, pickups, deliveries and positions.</summary>
public sealed class DriversApiTests(HostFactory host) : IClassFixture<HostFactory>
{
    private readonly HttpClient _client = host.CreateHttpClient();

    private async Task<string> WaitingDriverAsync(string regionId, GeoPoint? at = null)
    {
        var id = Api.NewId("drv");
        await _client.StartShiftAsync(id, regionId, at);
        await _client.DriverUntilAsync(id, d => d.State.State == DriverState.WaitingForWork);
        return id;
    }

    /// <summary>
    /// An order from an Amsterdam <paramref name="restaurant"/> once it names its driver: whichever waiting Amsterdam driver the
    /// matcher chose (other tests of this class leave some waiting).
    /// </summary>
    private async Task<(string OrderId, OrderView Order)> OrderWithADriverAsync(string prefix, Restaurant restaurant)
    {
        await WaitingDriverAsync("amsterdam", restaurant.Location);
        var orderId = Api.NewId(prefix);
        await _client.PlaceOrderAsync(orderId, deliveryDelayMs: 0, restaurantId: restaurant.Id, productId: "3000", deliveryLocation: restaurant.Location.Offset(200, 0));
        return (orderId, await _client.OrderUntilAsync(orderId, o => o.Status?.DriverId is not null));
    }

    [Fact]
    public async Task Regions_Always_ListsTheThreeRegionsWithTheirMatchers()
    {
        var regions = (await _client.GetFromJsonAsync<List<RegionView>>("/api/regions", Api.Json))!;

        Assert.Equal(["san-jose", "berlin", "amsterdam"], regions.Select(r => r.Id));
        Assert.All(regions, r => Assert.True(r.RadiusMeters > 0 && r.Center.IsValid));
    }

    [Theory]
    [InlineData("""{"regionId":"atlantis"}""", "regionId", "Unknown region 'atlantis'")]
    [InlineData("""{}""", "regionId", "Unknown region")]
    [InlineData("""{"regionId":"berlin","speedMetersPerSecond":0}""", "speedMetersPerSecond", "at most 100 m/s")]
    [InlineData("""{"regionId":"berlin","speedMetersPerSecond":-3}""", "speedMetersPerSecond", "at most 100 m/s")]
    [InlineData("""{"regionId":"berlin","speedMetersPerSecond":100.5}""", "speedMetersPerSecond", "at most 100 m/s")]
    [InlineData("""{"regionId":"berlin","lat":52.5}""", "location", "both lat")]
    [InlineData("""{"regionId":"berlin","lat":152.5,"lon":13.4}""", "location", "both lat")]
    public async Task StartShift_InvalidRequest_Returns400ValidationProblemNamingTheField(string body, string field, string message)
    {
        using var content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");

        using var response = await _client.PostAsync($"/api/drivers/{Api.NewId("invalid")}/shift", content);

        var problem = await response.ReadValidationProblemAsync();
        Assert.True(problem.Errors.TryGetValue(field, out var errors), $"errors: {string.Join(", ", problem.Errors.Keys)}");
        Assert.Contains(message, Assert.Single(errors), StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartShift_InvalidDriverId_Returns400()
    {
        using var response = await _client.PostAsJsonAsync("/api/drivers/no.dots/shift", new { regionId = "berlin" });

        var problem = await response.ReadValidationProblemAsync();
        Assert.True(problem.Errors.ContainsKey("id"));
    }

    [Fact]
    public async Task StartShift_Valid_Returns202AndTheDriverWaitsForWorkInTheRegion()
    {
        var id = Api.NewId("drv");
        var at = Regions.Berlin.Center.Offset(1_000, 45);

        using var response = await _client.PostAsJsonAsync($"/api/drivers/{id}/shift", new { regionId = "berlin", lat = at.Lat, lon = at.Lon, speedMetersPerSecond = 12.5 });

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal($"/api/drivers/{id}", response.Headers.Location?.OriginalString);
        var driver = await _client.DriverUntilAsync(id, d => d.State.State == DriverState.WaitingForWork);
        Assert.Equal("berlin", driver.State.RegionId);
        Assert.Equal(at, driver.State.Location);
        Assert.Equal(12.5, driver.State.SpeedMetersPerSecond);
        Assert.Null(driver.State.Job);
        var listed = (await _client.GetFromJsonAsync<List<DriverView>>("/api/drivers?regionId=berlin", Api.Json))!;
        Assert.Contains(listed, d => d.DriverId == id);
        var elsewhere = (await _client.GetFromJsonAsync<List<DriverView>>("/api/drivers?regionId=amsterdam", Api.Json))!;
        Assert.DoesNotContain(elsewhere, d => d.DriverId == id);
        var matcher = await _client.DescribeUntilAsync(Regions.Berlin.MatcherWorkflowId, m => Waiting(m.CustomStatus).Contains(id));
        Assert.NotNull(matcher);
    }

    [Fact]
    public async Task StartShift_Twice_SecondReturns409WrongState()
    {
        var id = await WaitingDriverAsync("amsterdam");

        using var response = await _client.PostAsJsonAsync($"/api/drivers/{id}/shift", new { regionId = "amsterdam" });

        var problem = await response.ReadProblemAsync(HttpStatusCode.Conflict);
        Assert.Equal("Wrong driver state", problem.Title);
        Assert.Equal($"Driver {id} is WAITING_FOR_WORK; to start a shift the driver must be IDLE.", problem.Detail);
    }

    [Fact]
    public async Task StartShift_AgainWithItsShiftKey_Returns202WithTheSameTokenAndOtherKeysGet409()
    {
        var id = Api.NewId("drv");
        var shift = new { regionId = "berlin", shiftKey = "phone-secret-0123456789" };
        using var first = await _client.PostAsJsonAsync($"/api/drivers/{id}/shift", shift);
        var token = (await first.Content.ReadFromJsonAsync<ShiftView>(Api.Json))!.Token;
        await _client.DriverUntilAsync(id, d => d.State.State == DriverState.WaitingForWork);

        using var again = await _client.PostAsJsonAsync($"/api/drivers/{id}/shift", shift);
        using var other = await _client.PostAsJsonAsync($"/api/drivers/{id}/shift", new { regionId = "berlin", shiftKey = "someone-else-0123456789" });

        Assert.Equal(HttpStatusCode.Accepted, again.StatusCode);
        Assert.Equal(token, (await again.Content.ReadFromJsonAsync<ShiftView>(Api.Json))!.Token);
        Assert.StartsWith((await _client.GetDriverAsync(id))!.State.ShiftId + ".", token, StringComparison.Ordinal);
        await other.ReadProblemAsync(HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task StartShift_ShiftKeyTooShort_Returns400NamingTheField()
    {
        using var response = await _client.PostAsJsonAsync($"/api/drivers/{Api.NewId("drv")}/shift", new { regionId = "berlin", shiftKey = "short" });

        var problem = await response.ReadValidationProblemAsync();
        Assert.Contains("16-200 characters", Assert.Single(problem.Errors["shiftKey"]), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pickup_WhileWaitingForWork_Returns409WrongState()
    {
        var id = await WaitingDriverAsync("amsterdam");

        using var response = await _client.ReportAsync(id, "pickup", "delivery-anything");

        var problem = await response.ReadProblemAsync(HttpStatusCode.Conflict);
        Assert.Equal($"Driver {id} is WAITING_FOR_WORK; to report a pickup the driver must be DELIVERING.", problem.Detail);
    }

    [Fact]
    public async Task Delivered_WhileWaitingForWork_Returns409WrongState()
    {
        var id = await WaitingDriverAsync("amsterdam");

        using var response = await _client.ReportAsync(id, "delivered", "delivery-anything");

        var problem = await response.ReadProblemAsync(HttpStatusCode.Conflict);
        Assert.Contains("must be DELIVERING", problem.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("pickup")]
    [InlineData("delivered")]
    public async Task Report_NoDeliveryId_Returns400(string what)
    {
        var id = await WaitingDriverAsync("amsterdam");

        using var response = await _client.ReportAsync(id, what, deliveryId: null);

        var problem = await response.ReadValidationProblemAsync();
        Assert.True(problem.Errors.ContainsKey("deliveryId"));
    }

    [Theory]
    [InlineData("GET", "")]
    [InlineData("GET", "/assignment")]
    [InlineData("DELETE", "/shift")]
    [InlineData("POST", "/pickup")]
    [InlineData("POST", "/delivered")]
    public async Task Endpoint_UnknownDriver_Returns404ProblemDetails(string method, string suffix)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), $"/api/drivers/nobody{suffix}");
        if (method == "POST")
        {
            request.Content = JsonContent.Create(new { deliveryId = "delivery-x" });
        }

        using var response = await _client.SendAsync(request);

        var problem = await response.ReadProblemAsync(HttpStatusCode.NotFound);
        Assert.Contains("nobody", problem.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Assignment_NoJob_Returns204()
    {
        var id = await WaitingDriverAsync("berlin");

        using var response = await _client.GetAsync($"/api/drivers/{id}/assignment");

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
    }

    [Fact]
    public async Task EndShift_WaitingDriver_BecomesIdleAndLeavesTheMatcher()
    {
        var id = await WaitingDriverAsync("berlin");
        await _client.DescribeUntilAsync(Regions.Berlin.MatcherWorkflowId, m => Waiting(m.CustomStatus).Contains(id));

        using var response = await _client.DeleteAsync($"/api/drivers/{id}/shift");

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        await _client.DriverUntilAsync(id, d => d.State.State == DriverState.Idle);
        await _client.DescribeUntilAsync(Regions.Berlin.MatcherWorkflowId, m => !Waiting(m.CustomStatus).Contains(id));
        // And the phone may start again.
        await _client.StartShiftAsync(id, "berlin");
        await _client.DriverUntilAsync(id, d => d.State.State == DriverState.WaitingForWork);
    }

    [Fact]
    public async Task Location_PostedWithTheShiftToken_ReachesTheTwinThroughKafka()
    {
        var id = Api.NewId("drv");
        var token = await _client.StartShiftAsync(id, "amsterdam");
        await _client.DriverUntilAsync(id, d => d.State.State == DriverState.WaitingForWork);
        var to = Regions.Amsterdam.Center.Offset(250, 180);
        using var phone = host.CreateHttpClient(asOperator: false);
        phone.DefaultRequestHeaders.Authorization = new("Bearer", token);

        using var response = await phone.PostAsJsonAsync($"/api/drivers/{id}/location", new { lat = to.Lat, lon = to.Lon });

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var driver = await _client.DriverUntilAsync(id, d => d.State.Location == to);
        Assert.NotNull(driver.State.LocationAt);
        Assert.Equal(DriverState.WaitingForWork, driver.State.State);
    }

    [Fact]
    public async Task Location_OfAnUnknownDriver_Returns404()
    {
        var id = Api.NewId("drv-new");
        var at = Regions.SanJose.Center;

        using var response = await _client.PostAsJsonAsync($"/api/drivers/{id}/location", new { lat = at.Lat, lon = at.Lon });

        var problem = await response.ReadProblemAsync(HttpStatusCode.NotFound);
        Assert.Equal($"No driver '{id}' is known; start a shift first.", problem.Detail);
    }

    [Theory]
    [InlineData("drv-x", """{"lat":52.3}""")]
    [InlineData("drv-x", """{"lat":52.3,"lon":200}""")]
    [InlineData("no.dots", """{"lat":52.3,"lon":4.9}""")]
    public async Task Location_Invalid_Returns400(string driverId, string body)
    {
        using var content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");

        using var response = await _client.PostAsync($"/api/drivers/{driverId}/location", content);

        var problem = await response.ReadValidationProblemAsync();
        Assert.True(problem.Errors.ContainsKey("location"));
    }

    [Fact]
    public async Task Job_ReportedOutOfOrderOrForAnotherDelivery_Returns409AndTheRightOrderCompletes()
    {
        var restaurant = Catalog.Find("broodje_bar")!;
        var (orderId, order) = await OrderWithADriverAsync("job", restaurant);
        var driverId = order.Status!.DriverId!;
        Assert.Equal(OrderState.WaitingForDriver, order.Status.State);
        var job = await Api.PollAsync(async ct =>
        {
            using var response = await _client.GetAsync($"/api/drivers/{driverId}/assignment", ct);
            return response.StatusCode == HttpStatusCode.OK ? await response.Content.ReadFromJsonAsync<DeliveryJob>(Api.Json, ct) : null;
        }, j => j is not null, $"{driverId}'s job");
        Assert.Equal(orderId, job!.OrderId);
        Assert.Equal($"delivery-{orderId}", job.DeliveryId);
        Assert.Equal(restaurant.Location, job.RestaurantLocation);

        using (var early = await _client.ReportAsync(driverId, "delivered", job.DeliveryId))
        {
            var problem = await early.ReadProblemAsync(HttpStatusCode.Conflict);
            Assert.Equal("Out of order", problem.Title);
            Assert.Contains("has not been picked up yet", problem.Detail, StringComparison.Ordinal);
        }
        using (var other = await _client.ReportAsync(driverId, "pickup", "delivery-someone-else"))
        {
            var problem = await other.ReadProblemAsync(HttpStatusCode.Conflict);
            Assert.Equal("Not this driver's job", problem.Title);
        }
        using (var pickup = await _client.ReportAsync(driverId, "pickup", job.DeliveryId))
        {
            Assert.Equal(HttpStatusCode.Accepted, pickup.StatusCode);
        }
        await _client.OrderInStateAsync(orderId, OrderState.InDelivery);
        await _client.DriverUntilAsync(driverId, d => d.State.Job?.PickedUp == true);
        using (var again = await _client.ReportAsync(driverId, "pickup", job.DeliveryId))
        {
            var problem = await again.ReadProblemAsync(HttpStatusCode.Conflict);
            Assert.Contains("already picked up", problem.Detail, StringComparison.Ordinal);
        }
        using (var shift = await _client.PostAsJsonAsync($"/api/drivers/{driverId}/shift", new { regionId = "amsterdam" }))
        {
            var problem = await shift.ReadProblemAsync(HttpStatusCode.Conflict);
            Assert.Contains("is DELIVERING", problem.Detail, StringComparison.Ordinal);
        }
        using (var delivered = await _client.ReportAsync(driverId, "delivered", job.DeliveryId))
        {
            Assert.Equal(HttpStatusCode.Accepted, delivered.StatusCode);
        }

        var done = await _client.OrderInStateAsync(orderId, OrderState.Delivered);
        Assert.Equal(driverId, done.Status!.DriverId);
        var driver = await _client.DriverUntilAsync(driverId, d => d.State.State == DriverState.Idle);
        Assert.Null(driver.State.Job);
        Assert.Equal(1, driver.State.DeliveriesCompleted);
        using var assignment = await _client.GetAsync($"/api/drivers/{driverId}/assignment");
        Assert.Equal(HttpStatusCode.NoContent, assignment.StatusCode);
    }

    [Fact]
    public async Task Reports_SentBackToBack_EachIsJudgedOnceTheTwinHasHandledTheOneBefore()
    {
        // The order names its driver once the job is on its way to the twin: the pickup may well arrive before the job does.
        var (orderId, order) = await OrderWithADriverAsync("b2b", Catalog.Find("broodje_bar")!);
        var driverId = order.Status!.DriverId!;
        var deliveryId = $"delivery-{orderId}";

        // Each sent the moment the one before is answered, before the twin can have handled that one.
        using var pickup = await _client.ReportAsync(driverId, "pickup", deliveryId);
        using var delivered = await _client.ReportAsync(driverId, "delivered", deliveryId);
        using var shift = await _client.PostAsJsonAsync($"/api/drivers/{driverId}/shift", new { regionId = "amsterdam" });

        Assert.Equal(HttpStatusCode.Accepted, pickup.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, delivered.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, shift.StatusCode);
        await _client.OrderInStateAsync(orderId, OrderState.Delivered);
        var driver = await _client.DriverUntilAsync(driverId, d => d.State.State == DriverState.WaitingForWork);
        Assert.Equal(1, driver.State.DeliveriesCompleted);
        Assert.Null(driver.State.LastRejection);
        // Off shift again: the other tests of this class take whichever Amsterdam driver is waiting.
        using var end = await _client.DeleteAsync($"/api/drivers/{driverId}/shift");
        await _client.DriverUntilAsync(driverId, d => d.State.State == DriverState.Idle);
    }

    /// <summary>The ids of the drivers a matcher's status lists as waiting.</summary>
    private static List<string> Waiting(JsonElement? matcherStatus) =>
        matcherStatus is { } status ? [.. status.GetProperty("waitingDrivers").EnumerateArray().Select(d => d.GetString()!)] : [];
}
