using System.Text;
using Confluent.Kafka;
using Durable;
using FoodOrdering.Domain.Drivers;
using FoodOrdering.Domain.Geo;
using FoodOrdering.Domain.Orders;
using FoodOrdering.Domain.Security;
using FoodOrdering.Kafka;
using FoodOrdering.Tests.Domain;

namespace FoodOrdering.Tests;

public sealed class KafkaIntakeTests
{
    private static string OrderJson(string id) =>
        $$"""{"id":"{{id}}","restaurantId":"mcstate","products":[{"productId":"1002","description":"Cheese burger","quantity":2}],"totalCost":17.0,"deliveryDelay":3600000}""";

    /// <summary>Reads a topic from the beginning with a real consumer until <paramref name="count"/> records arrived (or the deadline).</summary>
    private static List<ConsumeResult<string, string>> ReadTopic(string bootstrap, string topic, int count)
    {
        using var consumer = new ConsumerBuilder<string, string>(new ConsumerConfig
        {
            BootstrapServers = bootstrap, GroupId = "reader-" + Guid.NewGuid().ToString("N"), AutoOffsetReset = AutoOffsetReset.Earliest, EnableAutoCommit = false,
        }).Build();
        consumer.Subscribe(topic);
        var records = new List<ConsumeResult<string, string>>();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (records.Count < count && DateTime.UtcNow < deadline)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is { Message: not null } record)
            {
                records.Add(record);
            }
        }
        consumer.Close();
        return records;
    }

    [Fact]
    public async Task OrderIntake_DuplicateRecords_OneWorkflowAndOneCharge()
    {
        await using var env = await DomainEnvironment.StartAsync(kafka: true);
        for (var i = 0; i < 3; i++)
        {
            await env.Producer.ProduceAsync("orders", "o-kafka-dup", OrderJson("o-kafka-dup"));
        }

        var status = await DomainEnvironment.EventuallyAsync(() => env.OrderStatusAsync("o-kafka-dup"), s => s?.State == OrderState.Scheduled, "the order to be scheduled");
        await DomainEnvironment.EventuallyAsync(() => Task.FromResult(env.Durable.Services.GetService(typeof(OrderIntakeConsumer)) is OrderIntakeConsumer c ? c.Consumed : 0),
            consumed => consumed == 3, "all three records to be consumed");

        Assert.NotNull(status);
        var page = await env.Client.ListAsync(new Durable.Storage.WorkflowQuery { IdPrefix = "o-kafka-dup", Type = WorkflowNames.Of<OrderWorkflow>() });
        Assert.Single(page.Items);
        Assert.Single(await env.Ledger.ForOrderAsync("o-kafka-dup"));
    }

    [Fact]
    public async Task OrderIntake_ThousandMalformedRecords_AllDeadLetteredWhileValidOrdersFlow()
    {
        await using var env = await DomainEnvironment.StartAsync(kafka: true);
        var random = new Random(42);
        string[] shapes =
        [
            "not json", "{", "[]", "null", "42", "{\"id\":\"\"}", "{\"id\":\"x\",\"restaurantId\":\"nowhere\",\"products\":[{\"productId\":\"1000\",\"quantity\":1}]}",
            "{\"id\":\"x\",\"restaurantId\":\"mcstate\",\"products\":[]}", "{\"id\":\"x\",\"restaurantId\":\"mcstate\",\"products\":[{\"productId\":\"1000\",\"quantity\":0}]}",
            "{\"id\":\"x\",\"restaurantId\":\"mcstate\",\"products\":[{\"productId\":\"1000\",\"quantity\":1}],\"deliveryDelay\":-5}",
            "{\"id\":\"x y\",\"restaurantId\":\"mcstate\",\"products\":[{\"productId\":\"1000\",\"quantity\":1}]}", "{\"id\":5}", "\u0000\u0001",
        ];
        const int malformed = 1000;
        const int valid = 20;
        var produced = new List<Task>();
        for (var i = 0; i < malformed + valid; i++)
        {
            produced.Add(i % 51 == 0 && i / 51 < valid
                ? env.Producer.ProduceAsync("orders", $"o-good-{i / 51}", OrderJson($"o-good-{i / 51}"))
                : env.Producer.ProduceAsync("orders", $"bad-{i}", shapes[random.Next(shapes.Length)] + (random.Next(3) == 0 ? new string('x', random.Next(100)) : "")));
        }
        await Task.WhenAll(produced);

        var dead = ReadTopic(env.Kafka.BootstrapServers, "orders.dlq", malformed);
        Assert.Equal(malformed, dead.Count);
        Assert.All(dead, r =>
        {
            Assert.StartsWith("bad-", r.Message.Key, StringComparison.Ordinal);
            Assert.True(r.Message.Headers.TryGetLastBytes("dlq-reason", out var reason) && reason.Length > 0);
            Assert.Matches("^(Malformed order JSON|Invalid order)", Encoding.UTF8.GetString(reason));
        });
        for (var i = 0; i < valid; i++)
        {
            var id = $"o-good-{i}";
            await DomainEnvironment.EventuallyAsync(() => env.OrderStatusAsync(id), s => s?.State == OrderState.Scheduled, $"{id} to be scheduled");
        }
    }

    [Fact]
    public async Task DriverUpdates_PositionsInBothShapes_ReachTheTwinAndBadOnesAreDeadLettered()
    {
        await using var env = await DomainEnvironment.StartAsync(kafka: true);
        await env.StartShiftAsync("kd1", Regions.Amsterdam, Regions.Amsterdam.Center);
        Headers TokenOf(string driverId) => new() { { ActorTokens.KafkaHeader, Encoding.UTF8.GetBytes(DomainEnvironment.Tokens.ForDriver(driverId, "shift-1")) } };

        await env.Producer.ProduceAsync("driver-updates", "kd1", "{\"lat\":52.37,\"long\":4.90}", TokenOf("kd1"));
        await env.Producer.ProduceAsync("driver-updates", "kd1", "{\"lat\":52.371,\"lon\":4.901}", TokenOf("kd1"));
        await env.Producer.ProduceAsync("driver-updates", "kd2", "{\"lat\":52.3,\"lng\":4.8}", TokenOf("kd2"));
        await env.Producer.ProduceAsync("driver-updates", "kd1", "{\"lat\":952.3,\"long\":4.8}", TokenOf("kd1"));
        await env.Producer.ProduceAsync("driver-updates", "no spaces allowed", "{\"lat\":52.3,\"long\":4.8}", TokenOf("kd1"));
        // One driver cannot move another, and a position without a token moves nobody.
        await env.Producer.ProduceAsync("driver-updates", "kd1", "{\"lat\":1,\"long\":1}", TokenOf("kd2"));
        await env.Producer.ProduceAsync("driver-updates", "kd1", "{\"lat\":1,\"long\":1}");

        var kd1 = await DomainEnvironment.EventuallyAsync(() => env.DriverAsync("kd1"), d => d?.Location == new GeoPoint(52.371, 4.901), "kd1's second position");
        var kd2 = await DomainEnvironment.EventuallyAsync(() => env.DriverAsync("kd2"), d => d is not null, "kd2's twin to be created");
        Assert.Equal(DriverState.WaitingForWork, kd1!.State);
        Assert.Equal(DriverState.Idle, kd2!.State);
        Assert.Equal(new GeoPoint(52.3, 4.8), kd2.Location);
        var dead = ReadTopic(env.Kafka.BootstrapServers, "driver-updates.dlq", 4);
        Assert.Equal(4, dead.Count);
        var reasons = dead.Select(d => Encoding.UTF8.GetString(d.Message.Headers.GetLastBytes("dlq-reason"))).ToList();
        Assert.Equal(2, reasons.Count(r => r.Contains("shift token issued to driver kd1", StringComparison.Ordinal)));
        Assert.Equal(new GeoPoint(52.371, 4.901), (await env.DriverAsync("kd1"))!.Location);
    }
}
