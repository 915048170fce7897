using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Durable;
using FoodOrdering.Domain.Drivers;
using FoodOrdering.Domain.Geo;
using FoodOrdering.Domain.Orders;
using FoodOrdering.Domain.Payments;
using FoodOrdering.Domain.Restaurants;
using FoodOrdering.Host.Api;
using FoodOrdering.Host.Food;

namespace FoodOrdering.EndToEnd.Tests;

/// <summary>
/// The whole system as it runs for real: the host process, the driver simulator process, and orders published to Kafka
/// by a real producer. Deliveries are a few hundred metres from the restaurant, and the simulated drivers start their
/// shifts at the restaurants, so at 100 m/s every job takes seconds.
/// </summary>
public sealed class OrderFlowTests(ITestOutputHelper output)
{
    private const int Drivers = 6;

    private static readonly OrderState[] FullLife =
    [
        OrderState.Created, OrderState.Scheduled, OrderState.InPreparation, OrderState.SchedulingDelivery, OrderState.WaitingForDriver,
        OrderState.InDelivery, OrderState.Delivered,
    ];

    /// <summary>One restaurant per region: drivers there are near every order of the region, so no job needs a drive across town.</summary>
    private static readonly Restaurant[] Restaurants = [.. Regions.All.Select(r => Catalog.All.First(c => c.RegionId == r.Id))];

    private static readonly string[] SimulatorArguments =
        ["-n", Drivers.ToString(CultureInfo.InvariantCulture), "--speed", "100", "--tick", "00:00:00.2", "--pause", "00:00:00.2"];

    private readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();

    [Fact]
    public async Task OrdersFromKafka_DuplicatesAndASimulatorKilledMidRun_EveryOrderDeliveredOncePaidOnceWithOneJobPerDriver()
    {
        await using var system = await FoodOrderingSystem.StartAsync();
        Log($"host up at {system.BaseAddress}, Kafka at {system.BootstrapServers}");
        await StartShiftsAtTheRestaurantsAsync(system);
        var phones = system.StartSimulator("drivers", SimulatorArguments);

        // Batch 1: twenty orders over the three regions, three of them published twice.
        var first = Enumerable.Range(0, 20).Select(i => Order($"e2e-a{i:00}", i, metersAway: 150 + 10 * i)).ToList();
        foreach (var order in first)
        {
            await system.PublishAsync("orders", order.Id, JsonSerializer.Serialize(order, FoodOrderingSystem.Json));
        }
        foreach (var duplicate in new[] { first[3], first[10], first[17] })
        {
            await system.PublishAsync("orders", duplicate.Id, JsonSerializer.Serialize(duplicate, FoodOrderingSystem.Json));
        }
        Log("batch 1 published (23 records, 20 orders)");
        await WaitUntilDeliveredAsync(system, "e2e-a", first.Count, phones);
        Log("batch 1 delivered");
        await AssertDeliveredOncePaidOnceAsync(system, first);

        // Batch 2: longer drives, so that drivers are on the road when their phones die. A late copy of a delivered
        // order comes along (Kafka redelivers at least once): it must not start, charge or deliver anything again.
        var second = Enumerable.Range(0, 10).Select(i => Order($"e2e-b{i:00}", i, metersAway: 600 + 20 * i)).ToList();
        await system.PublishAsync("orders", first[0].Id, JsonSerializer.Serialize(first[0], FoodOrderingSystem.Json));
        foreach (var order in second)
        {
            await system.PublishAsync("orders", order.Id, JsonSerializer.Serialize(order, FoodOrderingSystem.Json));
        }
        await system.PollAsync(ct => DriversAsync(system, ct), ds => ds.Count(d => d.State.Job is not null) >= 2,
            "two drivers to be on a job of batch 2", TimeSpan.FromSeconds(90));
        await phones.KillAsync();
        var jobsAtTheKill = (await DriversAsync(system, CancellationToken.None)).Where(d => d.State.Job is not null)
            .ToDictionary(d => d.State.Job!.OrderId, d => d.DriverId);
        Log($"simulator killed with {jobsAtTheKill.Count} jobs under way ({string.Join(", ", jobsAtTheKill.Select(j => $"{j.Value}: {j.Key}"))})");
        Assert.NotEmpty(jobsAtTheKill);
        var restarted = system.StartSimulator("drivers", SimulatorArguments);

        await WaitUntilDeliveredAsync(system, "e2e-b", second.Count, restarted);
        Log("batch 2 delivered");
        await AssertDeliveredOncePaidOnceAsync(system, second);
        // The restarted phones carried on with the jobs their twins held: each went to the driver who had it at the kill.
        foreach (var (orderId, driverId) in jobsAtTheKill)
        {
            var order = await system.Http.GetFromJsonAsync<OrderView>($"api/orders/{orderId}", FoodOrderingSystem.Json);
            Assert.Equal(driverId, order!.Status!.DriverId);
        }
        Assert.Single(await RunsAsync(system, first[0].Id));
        Assert.Single(await LedgerAsync(system, first[0].Id));
        await AssertNoDriverHeldTwoJobsAsync(system, first.Count + second.Count);
        Log("checked");
    }

    private void Log(string message) => output.WriteLine($"{_clock.Elapsed.TotalSeconds,6:0.0}s {message}");

    /// <summary>
    /// The shifts of the simulator's drivers (driver-01..06, spread over the regions in the order /api/regions lists them),
    /// started at the restaurants; the simulator takes over each twin as it finds it.
    /// </summary>
    private static async Task StartShiftsAtTheRestaurantsAsync(FoodOrderingSystem system)
    {
        // The shifts' tokens go where the simulator's phones keep theirs: without them it could not act for these drivers.
        var tokens = new Dictionary<string, string>();
        for (var n = 1; n <= Drivers; n++)
        {
            var region = Regions.All[(n - 1) % Regions.All.Count];
            var restaurant = Restaurants.Single(r => r.RegionId == region.Id);
            var at = restaurant.Location.Offset(10 * n, 45 * n);
            using var response = await system.Http.PostAsJsonAsync($"api/drivers/driver-{n:00}/shift",
                new { regionId = region.Id, lat = at.Lat, lon = at.Lon, speedMetersPerSecond = 100 }, FoodOrderingSystem.Json);
            Assert.True(response.IsSuccessStatusCode, $"shift of driver-{n:00}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            tokens[$"driver-{n:00}"] = (await response.Content.ReadFromJsonAsync<ShiftView>(FoodOrderingSystem.Json))!.Token;
        }
        await File.WriteAllTextAsync(system.DriverTokensPath, JsonSerializer.Serialize(tokens));
        await system.PollAsync(ct => DriversAsync(system, ct), ds => ds.Count(d => d.State.State == DriverState.WaitingForWork) == Drivers,
            "every driver to wait for work");
    }

    private static OrderRequest Order(string id, int n, double metersAway)
    {
        var restaurant = Restaurants[n % Restaurants.Length];
        var quickest = restaurant.Menu.MinBy(p => p.PrepSeconds)!;
        return new OrderRequest
        {
            Id = id,
            RestaurantId = restaurant.Id,
            Products = [new OrderProduct(quickest.ProductId, quickest.Name, 1)],
            TotalCost = quickest.Price,
            DeliveryDelay = 0,
            DeliveryLocation = restaurant.Location.Offset(metersAway, 37 * n % 360),
        };
    }

    private async Task WaitUntilDeliveredAsync(FoodOrderingSystem system, string prefix, int count, ChildProcess? simulator = null)
    {
        var last = "";
        await system.PollAsync(async ct =>
        {
            var runs = (await system.Http.GetFromJsonAsync<WorkflowListDto>(
                $"api/workflows?type={WorkflowNames.Of<OrderWorkflow>()}&idPrefix={prefix}&pageSize=100", FoodOrderingSystem.Json, ct))!.Items;
            var progress = string.Join(", ", runs.GroupBy(State).OrderBy(g => g.Key).Select(g => $"{g.Key} {g.Count()}"));
            if (progress != last)
            {
                Log($"{prefix}: {progress}");
                last = progress;
            }
            Assert.False(simulator?.HasExited, "the simulator died\n" + simulator?.Output());
            return runs;
        }, runs => runs.Count == count && runs.All(r => State(r) == nameof(OrderState.Delivered)), $"the {count} orders {prefix}* to be delivered",
            TimeSpan.FromSeconds(120));
    }

    private static string State(WorkflowSummaryDto run) =>
        run.Status != WorkflowStatus.Running && run.Status != WorkflowStatus.Completed ? run.Status.ToString()
        : run.CustomStatus is { } status ? JsonSerializer.Deserialize<OrderStatus>(status, FoodOrderingSystem.Json)!.State.ToString() : "Starting";

    private static async Task AssertDeliveredOncePaidOnceAsync(FoodOrderingSystem system, IReadOnlyList<OrderRequest> orders)
    {
        foreach (var order in orders)
        {
            Assert.Single(await RunsAsync(system, order.Id));
            var view = (await system.Http.GetFromJsonAsync<OrderView>($"api/orders/{order.Id}", FoodOrderingSystem.Json))!;
            Assert.Equal(WorkflowStatus.Completed, view.WorkflowStatus);
            Assert.Equal(FullLife, view.Status!.History.Select(h => h.State));
            Assert.False(view.Status.Refunded);
            var driver = Assert.IsType<string>(view.Status.DriverId);
            Assert.Matches("^driver-0[1-6]$", driver);
            var ledger = await LedgerAsync(system, order.Id);
            var charge = Assert.Single(ledger);
            Assert.Equal(("charge", "approved", order.TotalCost), (charge.Kind, charge.Status, charge.Amount));
        }
    }

    /// <summary>
    /// Reads every driver's twin history: each job assigned is delivered before the next one is assigned, and no twin
    /// ever refused a job for being busy, so the matchers never gave one driver two jobs at once.
    /// </summary>
    private async Task AssertNoDriverHeldTwoJobsAsync(FoodOrderingSystem system, int orders)
    {
        var jobs = 0;
        for (var n = 1; n <= Drivers; n++)
        {
            var twin = DriverSignals.WorkflowId($"driver-{n:00}");
            var runs = (await RunsAsync(system, twin)).OrderBy(r => r.CreatedAt).ToList();
            string? current = null;
            var delivered = 0;
            foreach (var run in runs)
            {
                var history = (await system.Http.GetFromJsonAsync<HistoryEventDto[]>($"api/workflows/{twin}/history?runId={run.RunId}", FoodOrderingSystem.Json))!;
                foreach (var signal in history.Where(e => e.Type == HistoryEventType.SignalReceived && e.Name == DriverSignals.Event))
                {
                    var payload = signal.Payload!.Value;
                    switch (payload.GetProperty("kind").GetString())
                    {
                        case "job-assigned":
                            var job = payload.GetProperty("job").GetProperty("deliveryId").GetString();
                            Assert.True(current is null, $"{twin} was given {job} while on {current}");
                            current = job;
                            jobs++;
                            break;
                        case "delivered":
                            Assert.Equal(current, payload.GetProperty("deliveryId").GetString());
                            current = null;
                            delivered++;
                            break;
                    }
                }
            }
            var state = await system.Http.GetFromJsonAsync<DriverView>($"api/drivers/driver-{n:00}", FoodOrderingSystem.Json);
            Assert.Null(state!.State.LastRejection);
            Log($"{twin}: {delivered} deliveries in {runs.Count} run(s)");
        }
        Assert.Equal(orders, jobs);
    }

    private static async Task<IReadOnlyList<WorkflowSummaryDto>> RunsAsync(FoodOrderingSystem system, string workflowId) =>
        [.. (await system.Http.GetFromJsonAsync<WorkflowListDto>($"api/workflows?idPrefix={workflowId}&pageSize=100", FoodOrderingSystem.Json))!
            .Items.Where(r => r.WorkflowId == workflowId)];

    private static async Task<IReadOnlyList<LedgerEntry>> LedgerAsync(FoodOrderingSystem system, string orderId) =>
        (await system.Http.GetFromJsonAsync<List<LedgerEntry>>($"api/payments/{orderId}", FoodOrderingSystem.Json))!;

    private static async Task<IReadOnlyList<DriverView>> DriversAsync(FoodOrderingSystem system, CancellationToken cancellationToken) =>
        (await system.Http.GetFromJsonAsync<List<DriverView>>("api/drivers", FoodOrderingSystem.Json, cancellationToken))!;
}
