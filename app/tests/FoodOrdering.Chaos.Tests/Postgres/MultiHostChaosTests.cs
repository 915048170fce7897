using TestSupport.Postgres;

namespace FoodOrdering.Chaos.Tests.Postgres;

/// <summary>
/// Three hosts on one PostgreSQL database and one embedded Kafka cluster (one consumer group), 2,000 orders, hosts killed
/// with SIGKILL and restarted at random, PostgreSQL restarted twice, Kafka brokers down and up; then the invariants.
/// </summary>
public sealed class MultiHostChaosTests(ITestOutputHelper output)
{
    [Fact]
    public async Task ThreeHostsOnPostgres_KillsDatabaseRestartsAndBrokerOutages_EveryInvariantHolds()
    {
        var plan = new ChaosPlan("postgres-3-hosts", Hosts: 3, Orders: 2_000, HostKills: 20, BrokerOutages: 3, DatabaseRestarts: 2, Drivers: 60,
            TimeScale: 10, ChaosWindow: TimeSpan.FromSeconds(120), StallLimit: TimeSpan.FromMinutes(3))
        {
            // A phone moves 1 km between positions: fewer position events for the hosts to process, the same jobs.
            DriverTick = TimeSpan.FromSeconds(10),
        };
        await using var postgres = await PostgresServer.StartAsync();
        var database = await postgres.CreateDatabaseAsync("foodordering");

        var result = await new ChaosRunner(plan, output).RunAsync((_, directory) => new Dictionary<string, string>
        {
            // The engine's store, and with it the payment ledger and the kitchens (they follow Durable:Store).
            ["Durable__Store"] = "Postgres",
            ["Durable__ConnectionString"] = database,
            // A killed host's claims pass to the others after this (real time).
            ["Durable__LeaseDuration"] = "00:00:05",
            ["FoodOrdering__DataDirectory"] = Path.Combine(directory, "unused"),
        }, new RestartablePostgres(postgres));

        Assert.True(result.Holds, result.Summary() + "\n" + string.Join("\n", result.Examples));
        Assert.Equal(plan.Orders, result.WithWorkflow);
    }

    private sealed class RestartablePostgres(PostgresServer server) : IRestartableDatabase
    {
        public Task RestartAsync() => server.RestartAsync();
    }
}
