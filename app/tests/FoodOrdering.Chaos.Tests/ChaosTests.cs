namespace FoodOrdering.Chaos.Tests;

/// <summary>
/// Real processes under faults, then the invariants: every order ends (DELIVERED, REJECTED or CANCELLED), none is lost,
/// none is charged twice and every cancelled charge is refunded, no driver ever holds two jobs, nothing is stuck.
/// </summary>
public sealed class ChaosTests(ITestOutputHelper output)
{
    [Fact]
    public async Task SingleHostOnSqlite_KilledTwentyTimesUnderOrders_EveryInvariantHolds()
    {
        var plan = new ChaosPlan("sqlite-1-host", Hosts: 1, Orders: 300, HostKills: 20, BrokerOutages: 2, DatabaseRestarts: 0, Drivers: 20,
            TimeScale: 10, ChaosWindow: TimeSpan.FromSeconds(150), StallLimit: TimeSpan.FromMinutes(3))
        {
            // A phone moves 1 km between positions: fewer position events for the host to process, the same jobs.
            DriverTick = TimeSpan.FromSeconds(10),
        };

        var result = await new ChaosRunner(plan, output).RunAsync((_, directory) => new Dictionary<string, string>
        {
            ["Durable__StorePath"] = Path.Combine(directory, "durable.db"),
            ["FoodOrdering__DataDirectory"] = Path.Combine(directory, "data"),
        });

        Assert.True(result.Holds, result.Summary() + "\n" + string.Join("\n", result.Examples));
        Assert.Equal(plan.Orders, result.WithWorkflow);
    }
}
