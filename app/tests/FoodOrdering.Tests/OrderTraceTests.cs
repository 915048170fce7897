using System.Diagnostics;
using System.Net.Http.Json;
using Durable.Diagnostics;
using FoodOrdering.Domain.Orders;
using FoodOrdering.Domain.Restaurants;
using FoodOrdering.Host.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;

namespace FoodOrdering.Tests;

/// <summary>One order's life as one trace, collected through the OpenTelemetry SDK as the host configures it.</summary>
public sealed class OrderTraceTests : IAsyncLifetime, IDisposable
{
    private readonly SpanCollector _spans = new();
    private readonly HostFactory _host;

    public OrderTraceTests() =>
        _host = new HostFactory { ConfigureServices = s => s.AddSingleton<BaseProcessor<Activity>>(new SimpleActivityExportProcessor(_spans)) };

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _host.DisposeAsync();

    public void Dispose()
    {
        _host.Dispose();
        _spans.Dispose();
    }

    [Fact]
    public async Task PlaceOrder_DeliveredByADriver_OneTraceFromTheHttpPostToDelivered()
    {
        var client = _host.CreateHttpClient();
        var restaurant = Catalog.Find("bites_n_bytes")!;
        await client.StartShiftAsync(Api.NewId("tracer"), restaurant.RegionId, restaurant.Location.Offset(300, 0));
        var orderId = Api.NewId("traced");
        await client.PlaceOrderAsync(orderId, deliveryDelayMs: 0);
        await client.DeliverAsync(orderId);
        await client.OrderInStateAsync(orderId, OrderState.Delivered);

        // The close is committed (and visible) just before its span ends.
        var post = await Api.PollAsync(_ => Task.FromResult(_spans.Where(s => s.DisplayName == "POST /api/orders" && s.Kind == ActivityKind.Server
                && _spans.InTrace(s.TraceId).Any(c => Equals(c.GetTagItem(DurableTelemetry.WorkflowIdTag), orderId)))),
            p => p.Count == 1 && _spans.InTrace(p[0].TraceId).Any(s => s.DisplayName == "CompleteWorkflow:OrderWorkflow"), "the order's trace to close", TimeSpan.FromSeconds(30));
        var trace = _spans.InTrace(post[0].TraceId);
        var byId = trace.ToDictionary(s => s.SpanId);
        Activity One(string name) => Assert.Single(trace, s => s.DisplayName == name);
        Activity ParentOf(Activity span) => byId[span.ParentSpanId];

        // One tree: its root is this test's HTTP call, whose context the host continued; every other span's parent is in the trace.
        var root = Assert.Single(trace, s => !byId.ContainsKey(s.ParentSpanId));
        Assert.Equal(ActivityKind.Client, root.Kind);
        Assert.Same(root, ParentOf(post[0]));
        Assert.Equal("/api/orders", post[0].GetTagItem("url.path"));
        Assert.Equal("/api/orders", post[0].GetTagItem("http.route"));
        Assert.Equal(202, post[0].GetTagItem("http.response.status_code"));

        // HTTP → Kafka produce → Kafka consume → workflow start, with the messaging conventions.
        var send = One("send orders");
        Assert.Equal(ActivityKind.Producer, send.Kind);
        Assert.Same(post[0], ParentOf(send));
        var process = One("process orders");
        Assert.Equal(ActivityKind.Consumer, process.Kind);
        Assert.Same(send, ParentOf(process));
        foreach (var span in new[] { send, process })
        {
            Assert.Equal("kafka", span.GetTagItem("messaging.system"));
            Assert.Equal("orders", span.GetTagItem("messaging.destination.name"));
            Assert.Equal(orderId, span.GetTagItem("messaging.kafka.message.key"));
        }
        Assert.Equal("process", process.GetTagItem("messaging.operation.type"));
        var start = One("StartWorkflow:OrderWorkflow");
        Assert.Same(process, ParentOf(start));

        // The workflow, its activities with their outgoing HTTP calls, the child delivery workflow, the signals.
        var order = One("RunWorkflow:OrderWorkflow");
        Assert.Same(start, ParentOf(order));
        Assert.Equal(orderId, order.GetTagItem(DurableTelemetry.WorkflowIdTag));
        Assert.NotNull(order.GetTagItem(DurableTelemetry.RunIdTag));
        var activities = trace.Where(s => s.DisplayName.StartsWith("RunActivity:", StringComparison.Ordinal)).ToList();
        Assert.Contains(activities, a => a.DisplayName.StartsWith("RunActivity:PaymentActivities.", StringComparison.Ordinal));
        Assert.Contains(activities, a => a.DisplayName.StartsWith("RunActivity:RestaurantActivities.", StringComparison.Ordinal));
        Assert.All(activities, a => Assert.Same(order, ParentOf(a)));
        var calls = trace.Where(s => s.Kind == ActivityKind.Client && s.Source.Name == "System.Net.Http" && s != root).ToList();
        Assert.Contains(calls, c => ParentOf(c).DisplayName.StartsWith("RunActivity:PaymentActivities.", StringComparison.Ordinal)
            && (c.GetTagItem("url.full") as string)?.Contains("/payments-provider/", StringComparison.Ordinal) == true);
        Assert.Contains(calls, c => ParentOf(c).DisplayName.StartsWith("RunActivity:RestaurantActivities.", StringComparison.Ordinal)
            && (c.GetTagItem("url.full") as string)?.Contains("/pos/", StringComparison.Ordinal) == true);
        // The payment provider and the point of sale received the trace context over HTTP.
        Assert.All(calls, c => Assert.Contains(trace, s => s.Kind == ActivityKind.Server && s.ParentSpanId == c.SpanId));

        var delivery = One("RunWorkflow:DeliveryWorkflow");
        Assert.Same(order, ParentOf(delivery));
        Assert.Equal($"delivery-{orderId}", delivery.GetTagItem(DurableTelemetry.WorkflowIdTag));

        // The restaurant's callback and the driver's reports: handled in the receiving run's trace, linked to where they came from.
        var prepared = One("HandleSignal:prepared");
        Assert.Same(order, ParentOf(prepared));
        var driverReports = trace.Where(s => s.DisplayName == "HandleSignal:driver").ToList();
        Assert.True(driverReports.Count >= 2, $"pickup and delivery reports: {driverReports.Count}");
        Assert.All(driverReports, s => Assert.Same(delivery, ParentOf(s)));
        Assert.All([prepared, .. driverReports], s => Assert.NotEqual(s.TraceId, Assert.Single(s.Links).Context.TraceId));
        Assert.Contains(trace, s => s.DisplayName == "HandleSignal:delivery" && ParentOf(s) == order);

        One("CompleteWorkflow:DeliveryWorkflow");
        One("CompleteWorkflow:OrderWorkflow");
        // Everything the engine did for the order and its delivery is in this one trace.
        Assert.All(_spans.Where(s => s.GetTagItem(DurableTelemetry.WorkflowIdTag) is string id && (id == orderId || id == $"delivery-{orderId}")
                && s.Source.Name == DurableTelemetry.Name && !s.DisplayName.StartsWith("SignalWorkflow:", StringComparison.Ordinal)),
            s => Assert.Equal(post[0].TraceId, s.TraceId));
    }

    [Fact]
    public async Task GetMetrics_AfterAnOrderIsDelivered_SummarizesOrdersSignalsWorkflowsAndKafka()
    {
        var client = _host.CreateHttpClient();
        var restaurant = Catalog.Find("bites_n_bytes")!;
        await client.StartShiftAsync(Api.NewId("counted"), restaurant.RegionId, restaurant.Location.Offset(300, 0));
        var orderId = Api.NewId("counted");
        await client.PlaceOrderAsync(orderId, deliveryDelayMs: 0);
        await client.DeliverAsync(orderId);
        await client.OrderInStateAsync(orderId, OrderState.Delivered);

        // The status gauge follows the change feed, a moment behind the store.
        var metrics = await Api.PollAsync(async ct => (await client.GetFromJsonAsync<MetricsSnapshot>("/api/metrics", Api.Json, ct))!,
            m => m.OrdersByStatus.GetValueOrDefault("DELIVERED") == 1, "the delivered order in the metrics");
        Assert.Equal(1, metrics.OrdersByStatus.Values.Sum());
        // Reached once, though the closing of the run repeats the order's last status.
        Assert.Equal(1, Assert.Single(metrics.Series, s => s.Name == "foodordering.order.transitions" && s.Tags.GetValueOrDefault("status") == "DELIVERED").Value);
        Assert.True(metrics.SignalsPerSecond > 0, "signals were delivered within the last minute");
        Assert.True(metrics.Cache.Hits + metrics.Cache.Misses > 0);
        Assert.Contains("orders", metrics.KafkaLag.Keys);
        var workflowDuration = Assert.Single(metrics.Series, s => s.Name == "durable.workflow.duration" && s.Tags.GetValueOrDefault("type") == "OrderWorkflow"
            && s.Tags.GetValueOrDefault("status") == "Completed");
        Assert.True(workflowDuration.Count >= 1 && workflowDuration.P95 >= workflowDuration.P50 && workflowDuration.Max > 0);
        Assert.Contains(metrics.Series, s => s.Name == "durable.activity.duration" && s.Kind == "histogram" && s.Tags.GetValueOrDefault("activity") == "PaymentActivities.Charge");
        Assert.Contains(metrics.Series, s => s.Name == "durable.worker.task.wait" && s.Tags.GetValueOrDefault("kind") == "activity");
        Assert.Contains(metrics.Series, s => s.Name == "foodordering.kafka.consumer.lag" && s.Kind == "gauge" && s.Tags.GetValueOrDefault("messaging.destination.name") == "orders");
        Assert.Contains(metrics.Series, s => s.Name == "foodordering.order.transitions" && s.Tags.GetValueOrDefault("status") == "DELIVERED");
    }
}
