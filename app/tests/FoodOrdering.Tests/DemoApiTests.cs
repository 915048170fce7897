using System.Net;
using System.Net.Http.Json;
using System.Text;
using Durable;
using FoodOrdering.Host.Demo;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace FoodOrdering.Tests;

public sealed class DemoApiTests(HostFactory host) : IClassFixture<HostFactory>
{
    private readonly HttpClient _client = host.CreateClient();

    [Fact]
    public async Task PlaceOrder_ZeroDelay_ReachesDeliveredThroughAutoKitchen()
    {
        var id = Api.NewId("delivered");

        var accepted = await _client.PlaceOrderAsync(id, deliveryDelayMs: 0);

        Assert.Equal(id, accepted.Id);
        Assert.True(accepted.Started);
        var order = await _client.DescribeUntilAsync(id, w => w.Status != WorkflowStatus.Running);
        Assert.Equal(WorkflowStatus.Completed, order.Status);
        Assert.Equal("DELIVERED", order.OrderStatus());
        Assert.Equal("auto-kitchen", order.Result!.Value.GetProperty("preparedBy").GetString());
        var history = await _client.GetHistoryAsync(id);
        Assert.Equal(
            [HistoryEventType.WorkflowStarted, HistoryEventType.ActivityScheduled, HistoryEventType.ActivityCompleted, HistoryEventType.TimerStarted,
             HistoryEventType.SignalReceived, HistoryEventType.TimerCanceled, HistoryEventType.WorkflowCompleted],
            history.Where(e => e.Type != HistoryEventType.ActivationStarted).Select(e => e.Type));
        Assert.Equal("DemoActivities.Charge", history.Single(e => e.Type == HistoryEventType.ActivityScheduled).Name);
        Assert.Equal(DemoOrderWorkflow.PreparedSignal, history.Single(e => e.Type == HistoryEventType.SignalReceived).Name);
    }

    [Fact]
    public async Task PlaceOrder_SameIdTwice_ReturnsTheExistingRun()
    {
        var id = Api.NewId("twice");

        var first = await _client.PlaceOrderAsync(id, deliveryDelayMs: 3_600_000);
        var second = await _client.PlaceOrderAsync(id, deliveryDelayMs: 0);

        Assert.True(first.Started);
        Assert.False(second.Started);
        Assert.Equal(first.RunId, second.RunId);
    }

    [Fact]
    public async Task PlaceOrder_NoId_GeneratesOne()
    {
        using var response = await _client.PostAsJsonAsync("/api/demo/orders", new { deliveryDelayMs = 3_600_000 });

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var accepted = (await response.Content.ReadFromJsonAsync<DemoOrderAccepted>(Api.Json))!;
        Assert.StartsWith("demo-", accepted.Id, StringComparison.Ordinal);
        Assert.Equal($"/api/workflows/{accepted.Id}", response.Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task PlaceOrder_InvalidFields_Returns400ValidationProblemNamingEachField()
    {
        using var response = await _client.PostAsJsonAsync("/api/demo/orders", new { id = "no/slashes", deliveryDelayMs = -1 });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = (await response.Content.ReadFromJsonAsync<HttpValidationProblemDetails>(Api.Json))!;
        Assert.Equal(400, problem.Status);
        Assert.Contains("between 0 and", Assert.Single(problem.Errors["deliveryDelayMs"]), StringComparison.Ordinal);
        Assert.Contains("no/slashes", Assert.Single(problem.Errors["id"]), StringComparison.Ordinal);
    }

    [Fact]
    public async Task PlaceOrder_MissingDelay_Returns400ValidationProblem()
    {
        using var response = await _client.PostAsJsonAsync("/api/demo/orders", new { id = Api.NewId("nodelay") });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = (await response.Content.ReadFromJsonAsync<HttpValidationProblemDetails>(Api.Json))!;
        Assert.Contains("required", Assert.Single(problem.Errors["deliveryDelayMs"]), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{not json")]
    [InlineData("")]
    [InlineData("{\"deliveryDelayMs\":\"soon\"}")]
    public async Task PlaceOrder_UnreadableBody_Returns400ProblemDetails(string body)
    {
        using var content = new StringContent(body, Encoding.UTF8, "application/json");

        using var response = await _client.PostAsync("/api/demo/orders", content);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = (await response.Content.ReadFromJsonAsync<ProblemDetails>(Api.Json))!;
        Assert.Equal(400, problem.Status);
        Assert.False(string.IsNullOrEmpty(problem.Detail));
    }
}
