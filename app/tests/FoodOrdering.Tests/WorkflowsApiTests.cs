using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using Durable;
using Durable.Storage;
using FoodOrdering.Domain.Drivers;
using FoodOrdering.Domain.Orders;
using FoodOrdering.Host.Api;

namespace FoodOrdering.Tests;

/// <summary>The run inspector's API (/api/workflows) on food orders placed through the orders API and Kafka.</summary>
public sealed class WorkflowsApiTests(HostFactory host) : IClassFixture<HostFactory>
{
    /// <summary>Long enough that the order is still SCHEDULED whatever the test does to it.</summary>
    private const long AnHour = 3_600_000;

    private static readonly string OrderType = WorkflowNames.Of<OrderWorkflow>();

    private readonly HttpClient _client = host.CreateHttpClient();

    private async Task<string> ScheduledOrderAsync(string prefix)
    {
        var id = Api.NewId(prefix);
        await _client.PlaceOrderAsync(id, AnHour);
        await _client.OrderInStateAsync(id, OrderState.Scheduled);
        return id;
    }

    [Theory]
    [InlineData("/api/workflows/no-such-order")]
    [InlineData("/api/workflows/no-such-order/history")]
    [InlineData("/api/workflows/no-such-order/cancel", "POST")]
    [InlineData("/api/workflows/no-such-order/terminate", "POST")]
    [InlineData("/api/workflows/no-such-order/signals/prepared", "POST")]
    public async Task Endpoint_UnknownId_Returns404ProblemDetails(string path, string method = "GET")
    {
        using var response = await _client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));

        var problem = await response.ReadProblemAsync(HttpStatusCode.NotFound);
        Assert.Contains("no-such-order", problem.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Describe_ScheduledOrder_ShowsTheOrderStatusInputAndPendingTimer()
    {
        var id = await ScheduledOrderAsync("describe");

        var order = await _client.DescribeAsync(id);

        Assert.Equal(OrderType, order.Type);
        Assert.Equal(WorkflowStatus.Running, order.Status);
        Assert.Equal("SCHEDULED", order.OrderState());
        Assert.Equal(id, order.Input!.Value.GetProperty("id").GetString());
        Assert.Equal("bites_n_bytes", order.Input.Value.GetProperty("restaurantId").GetString());
        // The delivery time's timer, which a customer's cancel can still beat.
        Assert.Single(order.PendingTimers);
        Assert.Empty(order.PendingActivities);
        Assert.False(order.IsStuck);
    }

    [Fact]
    public async Task History_ScheduledOrder_RecordsTheChargeThenTheTimer()
    {
        var id = await ScheduledOrderAsync("history");

        var history = await _client.GetHistoryUntilAsync(id, h => h.Any(e => e.Type == HistoryEventType.TimerStarted));

        Assert.Equal(
            [HistoryEventType.WorkflowStarted, HistoryEventType.ActivityScheduled, HistoryEventType.ActivityCompleted, HistoryEventType.TimerStarted],
            history.Where(e => e.Type is not HistoryEventType.ActivationStarted).Select(e => e.Type));
        Assert.Equal("PaymentActivities.Charge", history.Single(e => e.Type == HistoryEventType.ActivityScheduled).Name);
        Assert.True(history.Zip(history.Skip(1)).All(p => p.First.EventId < p.Second.EventId), "in event order");
    }

    [Fact]
    public async Task Signal_ScheduledOrder_RecordsTheSignalWithItsArgument()
    {
        var id = await ScheduledOrderAsync("signal");

        using var content = new StringContent("""{"at":"2030-01-01T12:00:00+00:00"}""", Encoding.UTF8, "application/json");
        using var response = await _client.PostAsync($"/api/workflows/{id}/signals/{OrderSignals.Prepared}", content);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal($"/api/workflows/{id}", response.Headers.Location?.OriginalString);
        // Nobody waits for "prepared" before the delivery time, so the workflow keeps it buffered for later.
        var order = await _client.DescribeUntilAsync(id, w => w.BufferedSignals.Count > 0);
        var buffered = Assert.Single(order.BufferedSignals);
        Assert.Equal(OrderSignals.Prepared, buffered.Name);
        Assert.Equal("2030-01-01T12:00:00+00:00", buffered.Argument!.Value.GetProperty("at").GetString());
        Assert.Equal("SCHEDULED", order.OrderState());
        // Describe also lists signals still queued for the next activation; the history has them once applied.
        var history = await _client.GetHistoryUntilAsync(id, h => h.Any(e => e.Type == HistoryEventType.SignalReceived));
        var received = Assert.Single(history, e => e.Type == HistoryEventType.SignalReceived);
        Assert.Equal(OrderSignals.Prepared, received.Name);
        Assert.Equal("2030-01-01T12:00:00+00:00", received.Payload!.Value.GetProperty("at").GetString());
    }

    [Fact]
    public async Task Signal_EmptyBody_IsDeliveredWithoutArgument()
    {
        var id = await ScheduledOrderAsync("signal-empty");

        using var response = await _client.PostAsync($"/api/workflows/{id}/signals/{OrderSignals.Prepared}", content: null);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var order = await _client.DescribeUntilAsync(id, w => w.BufferedSignals.Count > 0);
        Assert.Null(Assert.Single(order.BufferedSignals).Argument);
    }

    [Theory]
    [InlineData(OrderSignals.Prepared, "[1,2]")]
    [InlineData(OrderSignals.Cancel, "\"\\ud800\"")]
    [InlineData(OrderSignals.Cancel, "{\"reason\":{\"nested\":true}}")]
    [InlineData(OrderSignals.Delivery, "")]
    public async Task Signal_ArgumentTheWorkflowCannotRead_Returns400AndNothingIsDelivered(string name, string body)
    {
        var id = await ScheduledOrderAsync("signal-bad");

        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        using var response = await _client.PostAsync($"/api/workflows/{id}/signals/{name}", content);

        // Delivered, it would park the order as stuck the moment the workflow read it.
        var problem = await response.ReadValidationProblemAsync();
        Assert.Contains(name, Assert.Single(problem.Errors["argument"]), StringComparison.Ordinal);
        var order = await _client.DescribeAsync(id);
        Assert.Empty(order.BufferedSignals);
        Assert.False(order.IsStuck);
        Assert.DoesNotContain(await _client.GetHistoryAsync(id), e => e.Type == HistoryEventType.SignalReceived);
    }

    [Fact]
    public async Task Signal_NameTheWorkflowNeverReads_Returns400NamingItsSignals()
    {
        var id = await ScheduledOrderAsync("signal-unknown");

        using var response = await _client.PostAsync($"/api/workflows/{id}/signals/picked-up", content: null);

        var problem = await response.ReadValidationProblemAsync();
        var error = Assert.Single(problem.Errors["argument"]);
        Assert.Contains(OrderSignals.Prepared, error, StringComparison.Ordinal);
        Assert.Contains(OrderSignals.Cancel, error, StringComparison.Ordinal);
        Assert.Empty((await _client.DescribeAsync(id)).BufferedSignals);
    }

    [Fact]
    public async Task Signal_CancelToScheduledOrder_EndsCancelledAndRefunded()
    {
        var id = await ScheduledOrderAsync("signal-cancel");

        using var response = await _client.PostAsJsonAsync($"/api/workflows/{id}/signals/{OrderSignals.Cancel}", new { reason = "Ordered twice." });

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var order = await _client.DescribeUntilAsync(id, w => w.Status != WorkflowStatus.Running);
        Assert.Equal(WorkflowStatus.Completed, order.Status);
        Assert.Equal("CANCELLED", order.OrderState());
        Assert.Equal("Ordered twice.", order.Result!.Value.GetProperty("reason").GetString());
        var history = await _client.GetHistoryAsync(id);
        Assert.Equal(["PaymentActivities.Charge", "PaymentActivities.Refund"],
            history.Where(e => e.Type == HistoryEventType.ActivityScheduled).Select(e => e.Name));
        Assert.Contains(history, e => e.Type == HistoryEventType.TimerCanceled);
    }

    [Fact]
    public async Task Signal_TerminatedOrder_Returns404ProblemDetails()
    {
        var id = await ScheduledOrderAsync("signal-ended");
        using (var terminate = await _client.PostAsync($"/api/workflows/{id}/terminate", content: null))
        {
            Assert.Equal(HttpStatusCode.NoContent, terminate.StatusCode);
        }

        using var response = await _client.PostAsync($"/api/workflows/{id}/signals/{OrderSignals.Prepared}", content: null);

        var problem = await response.ReadProblemAsync(HttpStatusCode.NotFound);
        Assert.Contains(OrderSignals.Prepared, problem.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cancel_ScheduledOrder_RefundsAndEndsCanceled()
    {
        var id = await ScheduledOrderAsync("cancel");

        using var response = await _client.PostAsync($"/api/workflows/{id}/cancel", content: null);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var order = await _client.DescribeUntilAsync(id, w => w.Status != WorkflowStatus.Running);
        Assert.Equal(WorkflowStatus.Canceled, order.Status);
        Assert.Equal("CANCELLED", order.OrderState());
        Assert.True(order.CustomStatus!.Value.GetProperty("refunded").GetBoolean());
        var history = await _client.GetHistoryAsync(id);
        Assert.Equal(["PaymentActivities.Charge", "PaymentActivities.Refund"],
            history.Where(e => e.Type == HistoryEventType.ActivityScheduled).Select(e => e.Name));
        Assert.Contains(history, e => e.Type == HistoryEventType.CancelRequested);
        var payments = await _client.PaymentsAsync(id);
        Assert.Equal(["charge", "refund"], payments.Select(p => p.Kind));
    }

    [Fact]
    public async Task Cancel_TerminatedOrder_Returns409ProblemDetails()
    {
        var id = await ScheduledOrderAsync("cancel-late");
        using (var terminate = await _client.PostAsync($"/api/workflows/{id}/terminate", content: null))
        {
            Assert.Equal(HttpStatusCode.NoContent, terminate.StatusCode);
        }

        using var response = await _client.PostAsync($"/api/workflows/{id}/cancel", content: null);

        var problem = await response.ReadProblemAsync(HttpStatusCode.Conflict);
        Assert.Contains("Terminated", problem.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Terminate_ScheduledOrder_EndsTerminatedWithTheReason()
    {
        var id = await ScheduledOrderAsync("terminate");

        using var response = await _client.PostAsJsonAsync($"/api/workflows/{id}/terminate", new { reason = "kitchen on fire" });

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        var order = await _client.DescribeAsync(id);
        Assert.Equal(WorkflowStatus.Terminated, order.Status);
        Assert.Equal("kitchen on fire", order.Error?.Message);
        var last = (await _client.GetHistoryAsync(id))[^1];
        Assert.Equal(HistoryEventType.WorkflowTerminated, last.Type);
        // Terminating runs no more workflow code, so nothing is refunded: the operator's call.
        Assert.Equal(["charge"], (await _client.PaymentsAsync(id)).Select(p => p.Kind));
    }

    [Fact]
    public async Task Terminate_TwiceOnTheSameOrder_SecondReturns409()
    {
        var id = await ScheduledOrderAsync("terminate-twice");
        using (var first = await _client.PostAsync($"/api/workflows/{id}/terminate", content: null))
        {
            Assert.Equal(HttpStatusCode.NoContent, first.StatusCode);
        }

        using var second = await _client.PostAsync($"/api/workflows/{id}/terminate", content: null);

        var problem = await second.ReadProblemAsync(HttpStatusCode.Conflict);
        Assert.Contains("cannot be terminated", problem.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task List_IdPrefixAndPageSize_PagesThroughMatchingRunsNewestFirst()
    {
        var prefix = Api.NewId("list");
        string[] ids = [$"{prefix}-a", $"{prefix}-b", $"{prefix}-c"];
        foreach (var id in ids)
        {
            // One at a time, so creation order is the order placed.
            await _client.PlaceOrderAsync(id, AnHour);
            await _client.OrderInStateAsync(id, OrderState.Scheduled);
        }

        var first = (await _client.GetFromJsonAsync<WorkflowListDto>($"/api/workflows?idPrefix={prefix}&pageSize=2&type={OrderType}&status=running", Api.Json))!;
        var second = (await _client.GetFromJsonAsync<WorkflowListDto>(
            $"/api/workflows?idPrefix={prefix}&pageSize=2&type={OrderType}&status=running&pageToken={Uri.EscapeDataString(first.NextPageToken!)}", Api.Json))!;

        Assert.Equal(2, first.Items.Count);
        Assert.Null(second.NextPageToken);
        var listed = first.Items.Concat(second.Items).ToList();
        Assert.Equal(ids.Reverse(), listed.Select(w => w.WorkflowId));
        Assert.True(listed.Zip(listed.Skip(1)).All(p => p.First.CreatedAt >= p.Second.CreatedAt), "newest first");
        Assert.All(listed, w => Assert.Equal("SCHEDULED", w.CustomStatus!.Value.GetProperty("state").GetString()));
    }

    [Fact]
    public async Task List_StatusFilter_ReturnsOnlyRunsInThatStatus()
    {
        var prefix = Api.NewId("list-status");
        await _client.PlaceOrderAsync($"{prefix}-running", AnHour);
        await _client.PlaceOrderAsync($"{prefix}-terminated", AnHour);
        await _client.OrderInStateAsync($"{prefix}-running", OrderState.Scheduled);
        await _client.OrderInStateAsync($"{prefix}-terminated", OrderState.Scheduled);
        using (var terminate = await _client.PostAsync($"/api/workflows/{prefix}-terminated/terminate", content: null))
        {
            Assert.Equal(HttpStatusCode.NoContent, terminate.StatusCode);
        }

        var terminated = (await _client.GetFromJsonAsync<WorkflowListDto>($"/api/workflows?idPrefix={prefix}&status=Terminated", Api.Json))!;
        var running = (await _client.GetFromJsonAsync<WorkflowListDto>($"/api/workflows?idPrefix={prefix}&status=RUNNING", Api.Json))!;

        Assert.Equal($"{prefix}-terminated", Assert.Single(terminated.Items).WorkflowId);
        Assert.NotNull(Assert.Single(terminated.Items).ClosedAt);
        Assert.Equal($"{prefix}-running", Assert.Single(running.Items).WorkflowId);
    }

    [Fact]
    public async Task List_TypeFilter_ReturnsTheMatcherOfEveryRegion()
    {
        var list = (await _client.GetFromJsonAsync<WorkflowListDto>($"/api/workflows?type={WorkflowNames.Of<RegionMatcherWorkflow>()}&status=Running", Api.Json))!;

        Assert.Equal(["matcher-amsterdam", "matcher-berlin", "matcher-san-jose"], list.Items.Select(w => w.WorkflowId).Order(StringComparer.Ordinal));
        Assert.All(list.Items, w => Assert.False(w.IsStuck));
    }

    [Fact]
    public async Task List_CreatedAfterAndBefore_SplitRunsAtThatInstant()
    {
        var prefix = Api.NewId("list-time");
        await _client.PlaceOrderAsync($"{prefix}-old", AnHour);
        await _client.OrderInStateAsync($"{prefix}-old", OrderState.Scheduled);
        await _client.PlaceOrderAsync($"{prefix}-new", AnHour);
        var newer = await _client.DescribeUntilAsync($"{prefix}-new", w => w.OrderState() == "SCHEDULED");

        // createdAfter is inclusive and createdBefore exclusive, so one instant splits the runs into two disjoint pages.
        var at = Uri.EscapeDataString(newer.CreatedAt.ToString("O", CultureInfo.InvariantCulture));
        var after = (await _client.GetFromJsonAsync<WorkflowListDto>($"/api/workflows?idPrefix={prefix}&createdAfter={at}", Api.Json))!;
        var before = (await _client.GetFromJsonAsync<WorkflowListDto>($"/api/workflows?idPrefix={prefix}&createdBefore={at}", Api.Json))!;

        Assert.Equal($"{prefix}-new", Assert.Single(after.Items).WorkflowId);
        Assert.Equal($"{prefix}-old", Assert.Single(before.Items).WorkflowId);
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

        var problem = await response.ReadValidationProblemAsync();
        Assert.True(problem.Errors.ContainsKey(field), $"errors: {string.Join(", ", problem.Errors.Keys)}");
    }

    [Fact]
    public async Task List_UnparsableDate_Returns400ProblemDetails()
    {
        using var response = await _client.GetAsync("/api/workflows?createdAfter=yesterday");

        var problem = await response.ReadProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains("yesterday", problem.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("after=-1", null, "after")]
    [InlineData(null, "not-a-number", "Last-Event-ID")]
    public async Task WatchChanges_InvalidPosition_Returns400ValidationProblem(string? query, string? lastEventId, string field)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/workflows/changes" + (query is null ? "" : "?" + query));
        if (lastEventId is not null)
        {
            request.Headers.Add("Last-Event-ID", lastEventId);
        }

        using var response = await _client.SendAsync(request);

        var problem = await response.ReadValidationProblemAsync();
        Assert.True(problem.Errors.ContainsKey(field), $"errors: {string.Join(", ", problem.Errors.Keys)}");
    }

    [Fact]
    public async Task WatchChanges_OrderPlacedAfterConnecting_StreamsItsChangesUntilItEnds()
    {
        var id = Api.NewId("sse");
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var response = await _client.OpenEventStreamAsync("/api/workflows/changes", deadline.Token);

        // Headers arrive only once the stream has fixed its start, so this order's whole life must follow.
        await _client.PlaceOrderAsync(id, AnHour);

        var changes = new List<WorkflowChangeDto>();
        var cancelled = false;
        await foreach (var (eventId, change) in response.ReadEventsAsync<WorkflowChangeDto>(deadline.Token))
        {
            Assert.Equal(eventId, change.Sequence.ToString(CultureInfo.InvariantCulture));
            if (change.WorkflowId != id)
            {
                continue;
            }
            changes.Add(change);
            if (!cancelled && change.CustomStatus?.GetProperty("state").GetString() == "SCHEDULED")
            {
                // The customer changes their mind: the order ends, and so does what this test waits for.
                using var cancel = await _client.PostAsync($"/api/orders/{id}/cancel", content: null);
                Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);
                cancelled = true;
            }
            if (change.Kind == WorkflowChangeKind.Closed)
            {
                break;
            }
        }

        Assert.Equal(WorkflowChangeKind.Started, changes[0].Kind);
        Assert.Equal(OrderType, changes[0].Type);
        Assert.Equal(WorkflowStatus.Completed, changes[^1].Status);
        Assert.Equal("CANCELLED", changes[^1].CustomStatus!.Value.GetProperty("state").GetString());
        Assert.True(changes[^1].CustomStatus!.Value.GetProperty("refunded").GetBoolean());
        Assert.True(changes.Zip(changes.Skip(1)).All(p => p.First.Sequence < p.Second.Sequence), "in commit order");
    }

    [Fact]
    public async Task WatchChanges_AfterSequence_ReplaysEarlierChanges()
    {
        var id = await ScheduledOrderAsync("sse-replay");
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));

        using var response = await _client.OpenEventStreamAsync("/api/workflows/changes?after=0", deadline.Token);

        WorkflowChangeDto? started = null;
        await foreach (var (_, change) in response.ReadEventsAsync<WorkflowChangeDto>(deadline.Token))
        {
            if (change.WorkflowId == id)
            {
                started = change;
                break;
            }
        }
        Assert.Equal(WorkflowChangeKind.Started, started!.Kind);
    }

    [Fact]
    public async Task WatchChanges_LastEventIdHeader_ResumesRightAfterThatEvent()
    {
        var id = await ScheduledOrderAsync("sse-resume");
        var changes = new List<WorkflowChangeDto>();
        using (var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
        using (var all = await _client.OpenEventStreamAsync("/api/workflows/changes?after=0", deadline.Token))
        {
            await foreach (var (_, change) in all.ReadEventsAsync<WorkflowChangeDto>(deadline.Token))
            {
                if (change.WorkflowId == id)
                {
                    changes.Add(change);
                    if (change.CustomStatus?.GetProperty("state").GetString() == "SCHEDULED")
                    {
                        break;
                    }
                }
            }
        }
        Assert.True(changes.Count >= 2, "a start and at least one status change");

        using var resumeDeadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/workflows/changes");
        request.Headers.Add("Last-Event-ID", changes[0].Sequence.ToString(CultureInfo.InvariantCulture));
        using var resumed = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, resumeDeadline.Token);
        Assert.Equal(HttpStatusCode.OK, resumed.StatusCode);
        await foreach (var (_, change) in resumed.ReadEventsAsync<WorkflowChangeDto>(resumeDeadline.Token))
        {
            Assert.True(change.Sequence > changes[0].Sequence, "nothing at or before the last event id");
            if (change.WorkflowId == id)
            {
                Assert.Equal(changes[1].Sequence, change.Sequence);
                break;
            }
        }
    }
}
