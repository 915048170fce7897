using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Durable;
using Durable.Storage;
using FoodOrdering.Host.Api;
using FoodOrdering.Host.Demo;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace FoodOrdering.Tests;

public sealed class WorkflowsApiTests(HostFactory host) : IClassFixture<HostFactory>
{
    /// <summary>Long enough that the order is still SCHEDULED whatever the test does to it.</summary>
    private const long AnHour = 3_600_000;

    private readonly HttpClient _client = host.CreateClient();

    [Theory]
    [InlineData("/api/workflows/no-such-order")]
    [InlineData("/api/workflows/no-such-order/history")]
    [InlineData("/api/workflows/no-such-order/cancel", "POST")]
    [InlineData("/api/workflows/no-such-order/terminate", "POST")]
    [InlineData("/api/workflows/no-such-order/signals/prepared", "POST")]
    public async Task Endpoint_UnknownId_Returns404ProblemDetails(string path, string method = "GET")
    {
        using var response = await _client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = (await response.Content.ReadFromJsonAsync<ProblemDetails>(Api.Json))!;
        Assert.Contains("no-such-order", problem.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Signal_ScheduledOrder_RecordsTheSignalWithItsArgument()
    {
        var id = Api.NewId("signal");
        await _client.PlaceOrderAsync(id, AnHour);
        await _client.DescribeUntilAsync(id, w => w.OrderStatus() == "SCHEDULED");

        using var content = new StringContent("""{"by":"chef"}""", Encoding.UTF8, "application/json");
        using var response = await _client.PostAsync($"/api/workflows/{id}/signals/{DemoOrderWorkflow.PreparedSignal}", content);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        // Nobody waits for "prepared" before the delivery time, so the workflow keeps it buffered for later.
        var order = await _client.DescribeUntilAsync(id, w => w.BufferedSignals.Count > 0);
        var buffered = Assert.Single(order.BufferedSignals);
        Assert.Equal(DemoOrderWorkflow.PreparedSignal, buffered.Name);
        Assert.Equal("chef", buffered.Argument!.Value.GetProperty("by").GetString());
        // Describe also lists signals still queued for the next activation; the history has them once applied.
        var history = await _client.GetHistoryUntilAsync(id, h => h.Any(e => e.Type == HistoryEventType.SignalReceived));
        var received = Assert.Single(history, e => e.Type == HistoryEventType.SignalReceived);
        Assert.Equal("chef", received.Payload!.Value.GetProperty("by").GetString());
    }

    [Fact]
    public async Task Signal_EmptyBody_IsDeliveredWithoutArgument()
    {
        var id = Api.NewId("signal-empty");
        await _client.PlaceOrderAsync(id, AnHour);

        using var response = await _client.PostAsync($"/api/workflows/{id}/signals/{DemoOrderWorkflow.PreparedSignal}", content: null);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var order = await _client.DescribeUntilAsync(id, w => w.BufferedSignals.Count > 0);
        Assert.Null(Assert.Single(order.BufferedSignals).Argument);
    }

    [Fact]
    public async Task Cancel_ScheduledOrder_RefundsAndEndsCanceled()
    {
        var id = Api.NewId("cancel");
        await _client.PlaceOrderAsync(id, AnHour);
        await _client.DescribeUntilAsync(id, w => w.OrderStatus() == "SCHEDULED");

        using var response = await _client.PostAsync($"/api/workflows/{id}/cancel", content: null);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var order = await _client.DescribeUntilAsync(id, w => w.Status != WorkflowStatus.Running);
        Assert.Equal(WorkflowStatus.Canceled, order.Status);
        Assert.Equal("CANCELLED", order.OrderStatus());
        var history = await _client.GetHistoryAsync(id);
        Assert.Equal(["DemoActivities.Charge", "DemoActivities.Refund"],
            history.Where(e => e.Type == HistoryEventType.ActivityScheduled).Select(e => e.Name));
        Assert.Contains(history, e => e.Type == HistoryEventType.CancelRequested);
    }

    [Fact]
    public async Task Cancel_CompletedOrder_Returns409ProblemDetails()
    {
        var id = Api.NewId("cancel-late");
        await _client.PlaceOrderAsync(id, AnHour);
        using var terminate = await _client.PostAsync($"/api/workflows/{id}/terminate", content: null);
        Assert.Equal(HttpStatusCode.NoContent, terminate.StatusCode);

        using var response = await _client.PostAsync($"/api/workflows/{id}/cancel", content: null);

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        var problem = (await response.Content.ReadFromJsonAsync<ProblemDetails>(Api.Json))!;
        Assert.Contains("Terminated", problem.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Terminate_ScheduledOrder_EndsTerminatedWithTheReason()
    {
        var id = Api.NewId("terminate");
        await _client.PlaceOrderAsync(id, AnHour);

        using var response = await _client.PostAsJsonAsync($"/api/workflows/{id}/terminate", new { reason = "kitchen on fire" });

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        var order = await _client.DescribeAsync(id);
        Assert.Equal(WorkflowStatus.Terminated, order.Status);
        Assert.Equal("kitchen on fire", order.Error?.Message);
        var last = (await _client.GetHistoryAsync(id))[^1];
        Assert.Equal(HistoryEventType.WorkflowTerminated, last.Type);
    }

    [Fact]
    public async Task List_IdPrefixAndPageSize_PagesThroughMatchingRunsNewestFirst()
    {
        var prefix = Api.NewId("list");
        string[] ids = [$"{prefix}-a", $"{prefix}-b", $"{prefix}-c"];
        foreach (var id in ids)
        {
            await _client.PlaceOrderAsync(id, AnHour);
        }

        var first = (await _client.GetFromJsonAsync<WorkflowListDto>($"/api/workflows?idPrefix={prefix}&pageSize=2&type=DemoOrderWorkflow&status=running", Api.Json))!;
        var second = (await _client.GetFromJsonAsync<WorkflowListDto>(
            $"/api/workflows?idPrefix={prefix}&pageSize=2&type=DemoOrderWorkflow&status=running&pageToken={Uri.EscapeDataString(first.NextPageToken!)}", Api.Json))!;

        Assert.Equal(2, first.Items.Count);
        Assert.Null(second.NextPageToken);
        var listed = first.Items.Concat(second.Items).ToList();
        Assert.Equal(ids.Order(StringComparer.Ordinal), listed.Select(w => w.WorkflowId).Order(StringComparer.Ordinal));
        Assert.True(listed.Zip(listed.Skip(1)).All(p => p.First.CreatedAt >= p.Second.CreatedAt), "newest first");
    }

    [Theory]
    [InlineData("status=Sleeping", "status")]
    [InlineData("status=2", "status")]
    [InlineData("pageSize=0", "pageSize")]
    [InlineData("pageSize=1001", "pageSize")]
    [InlineData("createdAfter=2026-01-02T00:00:00Z&createdBefore=2026-01-01T00:00:00Z", "createdBefore")]
    public async Task List_InvalidQuery_Returns400ValidationProblemNamingTheField(string query, string field)
    {
        using var response = await _client.GetAsync($"/api/workflows?{query}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = (await response.Content.ReadFromJsonAsync<HttpValidationProblemDetails>(Api.Json))!;
        Assert.True(problem.Errors.ContainsKey(field), $"errors: {string.Join(", ", problem.Errors.Keys)}");
    }

    [Fact]
    public async Task List_UnparsableDate_Returns400ProblemDetails()
    {
        using var response = await _client.GetAsync("/api/workflows?createdAfter=yesterday");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = (await response.Content.ReadFromJsonAsync<ProblemDetails>(Api.Json))!;
        Assert.Contains("yesterday", problem.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WatchChanges_OrderPlacedAfterConnecting_StreamsItsChangesUntilDelivered()
    {
        var id = Api.NewId("sse");
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var response = await _client.GetAsync("/api/workflows/changes", HttpCompletionOption.ResponseHeadersRead, deadline.Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        using var events = new StreamReader(await response.Content.ReadAsStreamAsync(deadline.Token));

        // Headers arrive only once the stream has fixed its start, so this order's whole life must follow.
        await _client.PlaceOrderAsync(id, deliveryDelayMs: 0);

        var changes = new List<WorkflowChangeDto>();
        long? lastEventId = null;
        while (changes.LastOrDefault()?.Kind != WorkflowChangeKind.Closed)
        {
            var line = await events.ReadLineAsync(deadline.Token)
                ?? throw new InvalidOperationException("The change stream ended early.");
            if (line.StartsWith("id: ", StringComparison.Ordinal))
            {
                lastEventId = long.Parse(line["id: ".Length..], System.Globalization.CultureInfo.InvariantCulture);
            }
            else if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                var change = JsonSerializer.Deserialize<WorkflowChangeDto>(line["data: ".Length..], Api.Json)!;
                Assert.Equal(lastEventId, change.Sequence);
                if (change.WorkflowId == id)
                {
                    changes.Add(change);
                }
            }
        }

        Assert.Equal(WorkflowChangeKind.Started, changes[0].Kind);
        Assert.Equal(WorkflowStatus.Completed, changes[^1].Status);
        Assert.Equal("DELIVERED", changes[^1].CustomStatus!.Value.GetProperty("status").GetString());
        Assert.Contains(changes, c => c.CustomStatus?.GetProperty("status").GetString() == "IN_PREPARATION");
        Assert.True(changes.Zip(changes.Skip(1)).All(p => p.First.Sequence < p.Second.Sequence), "in commit order");
    }

    [Fact]
    public async Task WatchChanges_AfterSequence_ReplaysEarlierChanges()
    {
        var id = Api.NewId("sse-replay");
        await _client.PlaceOrderAsync(id, AnHour);
        await _client.DescribeUntilAsync(id, w => w.OrderStatus() == "SCHEDULED");
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));

        using var response = await _client.GetAsync("/api/workflows/changes?after=0", HttpCompletionOption.ResponseHeadersRead, deadline.Token);
        using var events = new StreamReader(await response.Content.ReadAsStreamAsync(deadline.Token));

        WorkflowChangeDto? started = null;
        while (started is null)
        {
            var line = await events.ReadLineAsync(deadline.Token) ?? throw new InvalidOperationException("The change stream ended early.");
            if (line.StartsWith("data: ", StringComparison.Ordinal)
                && JsonSerializer.Deserialize<WorkflowChangeDto>(line["data: ".Length..], Api.Json) is { } change && change.WorkflowId == id)
            {
                started = change;
            }
        }
        Assert.Equal(WorkflowChangeKind.Started, started.Kind);
    }
}
