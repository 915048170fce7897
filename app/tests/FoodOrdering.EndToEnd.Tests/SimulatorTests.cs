using System.CommandLine;
using System.Net.Http.Json;
using FoodOrdering.Domain.Drivers;
using FoodOrdering.Domain.Orders;
using FoodOrdering.Domain.Restaurants;
using FoodOrdering.DriverSimulator;
using FoodOrdering.Host.Food;

namespace FoodOrdering.EndToEnd.Tests;

/// <summary>
/// The simulator as a real process against the host as a real process (its embedded broker): the customers mode,
/// Ctrl+C, and a host that dies under running drivers. The host runs 10 times faster than real time, so kitchens and
/// drives take seconds.
/// </summary>
public sealed class SimulatorTests
{
    private static readonly Dictionary<string, string> Fast = new() { ["FoodOrdering__TimeScale"] = "10" };

    [Fact]
    public void Help_EveryCommand_DescribesEveryOption()
    {
        var root = SimulatorCommands.Create();
        foreach (var command in root.Subcommands)
        {
            var help = new StringWriter();
            Assert.Equal(0, root.Parse([command.Name, "--help"]).Invoke(new InvocationConfiguration { Output = help }));
            foreach (var option in command.Options.Where(o => o.Name is not ("--help" or "--version")))
            {
                Assert.False(string.IsNullOrWhiteSpace(option.Description), $"{command.Name} {option.Name} has no description");
                Assert.Contains(option.Name, help.ToString(), StringComparison.Ordinal);
                Assert.Contains(option.Description!, help.ToString().ReplaceLineEndings(" ").Replace("  ", " ", StringComparison.Ordinal), StringComparison.Ordinal);
            }
        }
        Assert.Equal(["drivers", "customers"], root.Subcommands.Select(c => c.Name));
    }

    [Fact]
    public async Task Customers_FixedCountStartedBeforeTheHost_WaitsForItPlacesThemAndReportsTheirOutcomes()
    {
        await using var system = await FoodOrderingSystem.StartAsync(Fast);
        await system.KillHostAsync();
        var drivers = system.StartSimulator("drivers", "-n", "3", "--speed", "100", "--pause", "00:00:01");
        var customers = system.StartSimulator("customers", "--count", "4", "--rate", "600", "--seed", "7");
        await customers.WaitForLineAsync("Waiting for the host at", TimeSpan.FromSeconds(60));
        await drivers.WaitForLineAsync("Waiting for the host at", TimeSpan.FromSeconds(60));

        await system.StartHostAgainAsync();

        Assert.Equal(0, await customers.WaitForExitAsync(TimeSpan.FromMinutes(3)));
        var summary = await customers.WaitForLineAsync("Placed ", TimeSpan.FromSeconds(1));
        Assert.EndsWith("Placed 4; outcomes: DELIVERED 4; still open: 0", summary, StringComparison.Ordinal);
        // What it reported is what happened: four orders, each with its basket, delivered.
        var orders = (await system.Http.GetFromJsonAsync<List<OrderView>>("api/orders", FoodOrderingSystem.Json))!;
        Assert.Equal(4, orders.Count);
        Assert.All(orders, o => Assert.Equal(OrderState.Delivered, o.Status!.State));
        Assert.All(orders, o => Assert.NotNull(Catalog.Find(o.Status!.RestaurantId)));
        Assert.DoesNotContain("   at ", customers.Output(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Drivers_Interrupted_EndsEveryShiftAndExitsCleanly()
    {
        await using var system = await FoodOrderingSystem.StartAsync();
        var phones = system.StartSimulator("drivers", "-n", "3", "--prefix", "sigint");
        await system.PollAsync(ct => DriversAsync(system, ct), ds => ds.Count(d => d.State.State == DriverState.WaitingForWork) == 3,
            "the three drivers to wait for work");

        phones.Interrupt();

        Assert.Equal(0, await phones.WaitForExitAsync(SimulatorCommands.ShutdownTimeout * 2));
        await phones.WaitForLineAsync("All shifts ended.", TimeSpan.FromSeconds(1));
        await system.PollAsync(ct => DriversAsync(system, ct), ds => ds.Count == 3 && ds.All(d => d.State.State == DriverState.Idle),
            "the three shifts to end (IDLE)");
        Assert.DoesNotContain("   at ", phones.Output(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Drivers_HostKilledAndRestarted_ReportedRetriedAndTheNextDeliveryDone()
    {
        await using var system = await FoodOrderingSystem.StartAsync(Fast);
        var phones = system.StartSimulator("drivers", "-n", "1", "--regions", "berlin", "--speed", "100", "--prefix", "survivor");
        await system.PollAsync(ct => DriversAsync(system, ct), ds => ds.Any(d => d.State.State == DriverState.WaitingForWork), "the driver to wait for work");

        await system.KillHostAsync();
        // The phone says what failed and that it tries again (and so does the Kafka client, for its broker).
        var reported = await phones.WaitForLineAsync("; retrying in", TimeSpan.FromSeconds(60));
        Assert.Contains("survivor-01: ", reported, StringComparison.Ordinal);
        await phones.WaitForLineAsync("Kafka: ", TimeSpan.FromSeconds(60));
        Assert.False(phones.HasExited, phones.Output());
        await system.StartHostAgainAsync();

        // The restarted host has a new embedded broker elsewhere: the phone's positions must find it for the job to go on.
        var restaurant = Catalog.All.First(r => r.RegionId == "berlin");
        var product = restaurant.Menu[0];
        using var placed = await system.Http.PostAsJsonAsync("api/orders", new
        {
            id = "after-restart", restaurantId = restaurant.Id, products = new[] { new { productId = product.ProductId, quantity = 1 } },
            totalCost = product.Price, deliveryDelay = 0, deliveryLocation = restaurant.Location.Offset(800, 90),
        }, FoodOrderingSystem.Json);
        Assert.True(placed.IsSuccessStatusCode, await placed.Content.ReadAsStringAsync());
        var delivered = await system.PollAsync(ct => system.Http.GetFromJsonAsync<OrderView>("api/orders/after-restart", FoodOrderingSystem.Json, ct)
                .ContinueWith(t => t.IsCompletedSuccessfully ? t.Result : null, TaskScheduler.Default),
            o => o?.Status?.State == OrderState.Delivered, "the order placed after the restart to be delivered", TimeSpan.FromSeconds(120));
        Assert.Equal("survivor-01", delivered!.Status!.DriverId);
        await phones.WaitForLineAsync("Kafka moved from", TimeSpan.FromSeconds(1));
        Assert.False(phones.HasExited, phones.Output());
        Assert.DoesNotContain("   at ", phones.Output(), StringComparison.Ordinal);
    }

    private static async Task<IReadOnlyList<DriverView>> DriversAsync(FoodOrderingSystem system, CancellationToken cancellationToken) =>
        (await system.Http.GetFromJsonAsync<List<DriverView>>("api/drivers", FoodOrderingSystem.Json, cancellationToken))!;
}
