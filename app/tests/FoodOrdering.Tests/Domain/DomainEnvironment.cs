using System.Net;
using System.Net.Http.Json;
using Durable;
using Durable.Hosting;
using Durable.Storage;
using Durable.Testing;
using FoodOrdering.Domain.Delivery;
using FoodOrdering.Domain.Drivers;
using FoodOrdering.Domain.Geo;
using FoodOrdering.Domain.Orders;
using FoodOrdering.Domain.Payments;
using FoodOrdering.Domain.Restaurants;
using FoodOrdering.Domain.Security;
using FoodOrdering.Kafka;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace FoodOrdering.Tests.Domain;

/// <summary>
/// The food workflows on a real engine (SQLite, time skipping), with the payment ledger and the kitchen
/// as real components on temporary files, reached through in-process HTTP handlers.
/// </summary>
public sealed class DomainEnvironment : IAsyncDisposable
{
    private readonly string _directory;

    private DomainEnvironment(string directory, DurableTestEnvironment durable, PaymentLedger ledger, Kitchen kitchen)
    {
        _directory = directory;
        Durable = durable;
        Ledger = ledger;
        Kitchen = kitchen;
    }

    public DurableTestEnvironment Durable { get; }
    public PaymentLedger Ledger { get; }
    public Kitchen Kitchen { get; }
    public Durable.Client.DurableClient Client => Durable.Client;

    /// <summary>The keys of the drivers' tokens the Kafka consumer checks.</summary>
    public static readonly ActorTokens Tokens = new("order-key"u8.ToArray(), "driver-key"u8.ToArray());

    /// <param name="kafka">Also run the Kafka consumers against a fresh embedded broker.</param>
    public static async Task<DomainEnvironment> StartAsync(bool kafka = false)
    {
        var directory = Path.Combine(Path.GetTempPath(), "foodordering-tests", Guid.NewGuid().ToString("N"));
        var time = new SkippingTimeProvider();
        var ledger = new PaymentLedger(Path.Combine(directory, "payments.db"), new PaymentRules(), time);
        var kitchen = new Kitchen(Path.Combine(directory, "kitchen.db"), time);
        var durable = await DurableTestEnvironment.StartAsync(
            b => b.AddWorkflow<OrderWorkflow>().AddWorkflow<DeliveryWorkflow>().AddWorkflow<DriverTwinWorkflow>().AddWorkflow<RegionMatcherWorkflow>()
                .AddActivities<PaymentActivities>().AddActivities<RestaurantActivities>(),
            services: s =>
            {
                s.AddSingleton(new KitchenCallback(new Uri("http://app.test/")));
                s.AddTransient(_ => new PaymentActivities(new HttpClient(new LedgerHandler(ledger)) { BaseAddress = new Uri("http://payments.test/") }));
                s.AddTransient(sp => new RestaurantActivities(new HttpClient(new KitchenHandler(kitchen)) { BaseAddress = new Uri("http://pos.test/") },
                    sp.GetRequiredService<KitchenCallback>()));
                if (kafka)
                {
                    s.AddLogging();
                    s.AddSingleton(Options.Create(new KafkaOptions { ConsumerGroup = "tests" }));
                    s.AddSingleton(Tokens);
                    s.AddSingleton<KafkaCluster>();
                    s.AddSingleton<KafkaProducer>();
                    s.AddSingleton<OrderIntakeConsumer>();
                    s.AddSingleton<DriverUpdatesConsumer>();
                }
            },
            storePath: Path.Combine(directory, "durable.db"),
            timeProvider: time);
        var environment = new DomainEnvironment(directory, durable, ledger, kitchen);
        if (kafka)
        {
            await durable.Services.GetRequiredService<OrderIntakeConsumer>().StartAsync(CancellationToken.None);
            await durable.Services.GetRequiredService<DriverUpdatesConsumer>().StartAsync(CancellationToken.None);
        }
        foreach (var region in Regions.All)
        {
            await environment.Client.StartAsync<RegionMatcherWorkflow, MatcherState, MatcherState>(region.MatcherWorkflowId, new MatcherState { RegionId = region.Id });
        }
        return environment;
    }

    public Task StartShiftAsync(string driverId, Region region, GeoPoint location) =>
        Client.SignalWithStartAsync<DriverEvent>(WorkflowNames.Of<DriverTwinWorkflow>(), DriverSignals.WorkflowId(driverId),
            DurableJson.Serialize(new DriverTwinState { DriverId = driverId }), DriverSignals.Event, new ShiftStarted(region.Id, location));

    public Task SendAsync(string driverId, DriverEvent e) => Client.SignalAsync(DriverSignals.WorkflowId(driverId), DriverSignals.Event, e);

    public async Task<OrderStatus?> OrderStatusAsync(string orderId)
    {
        var description = await Client.DescribeAsync(orderId);
        return description?.CustomStatus is { } json ? DurableJson.Deserialize<OrderStatus>(json) : null;
    }

    public async Task<DriverTwinState?> DriverAsync(string driverId)
    {
        var description = await Client.DescribeAsync(DriverSignals.WorkflowId(driverId));
        return description?.CustomStatus is { } json ? DurableJson.Deserialize<DriverTwinState>(json) : null;
    }

    /// <summary>Polls until <paramref name="condition"/> holds; fails with <paramref name="what"/> after the deadline (a hang guard, not a timing assert).</summary>
    public static async Task<T> EventuallyAsync<T>(Func<Task<T>> probe, Func<T, bool> condition, string what, int seconds = 30)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        var delay = 5;
        while (true)
        {
            var value = await probe();
            if (condition(value))
            {
                return value;
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Gave up waiting for {what}; last value: {DurableJson.Serialize(value)}");
            }
            await Task.Delay(delay);
            delay = Math.Min(delay * 2, 100);
        }
    }

    public KafkaCluster Kafka => Durable.Services.GetRequiredService<KafkaCluster>();

    public KafkaProducer Producer => Durable.Services.GetRequiredService<KafkaProducer>();

    public async ValueTask DisposeAsync()
    {
        if (Durable.Services.GetService<OrderIntakeConsumer>() is { } orders && Durable.Services.GetService<Microsoft.Extensions.Options.IOptions<KafkaOptions>>() is not null)
        {
            await orders.StopAsync(CancellationToken.None);
            await Durable.Services.GetRequiredService<DriverUpdatesConsumer>().StopAsync(CancellationToken.None);
        }
        await Durable.DisposeAsync();
        Kitchen.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // Leftover temp files are harmless.
        }
    }

    private sealed class LedgerHandler(PaymentLedger ledger) : HttpMessageHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var path = request.RequestUri!.AbsolutePath;
            if (path.EndsWith("/charges", StringComparison.Ordinal))
            {
                var charge = (await request.Content!.ReadFromJsonAsync<ChargeRequest>(DurableJson.Options, cancellationToken))!;
                return Json(await ledger.ChargeAsync(charge, cancellationToken));
            }
            var refund = (await request.Content!.ReadFromJsonAsync<RefundRequest>(DurableJson.Options, cancellationToken))!;
            return await ledger.RefundAsync(refund, cancellationToken) is { } result ? Json(result) : new HttpResponseMessage(HttpStatusCode.NotFound);
        }
    }

    private sealed class KitchenHandler(Kitchen kitchen) : HttpMessageHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.Method == HttpMethod.Delete)
            {
                await kitchen.CancelAsync(Uri.UnescapeDataString(request.RequestUri!.Segments[^1]), cancellationToken);
                return new HttpResponseMessage(HttpStatusCode.NoContent);
            }
            var prepare = (await request.Content!.ReadFromJsonAsync<PrepareRequest>(DurableJson.Options, cancellationToken))!;
            return Json(await kitchen.AcceptAsync(prepare, cancellationToken));
        }
    }

    private static HttpResponseMessage Json<T>(T value) => new(HttpStatusCode.OK) { Content = JsonContent.Create(value, options: DurableJson.Options) };
}
