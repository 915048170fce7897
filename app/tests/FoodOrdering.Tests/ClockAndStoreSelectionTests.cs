using Durable;
using Durable.Hosting;
using FoodOrdering.Domain.Storage;
using FoodOrdering.Host.Food;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace FoodOrdering.Tests;

/// <summary>What several hosts (or one host restarting) must agree on: the scaled time, and where the domain's state lives.</summary>
public sealed class ClockAndStoreSelectionTests
{
    private static readonly DateTimeOffset Epoch = new(2026, 11, 21, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void ScaledTimeProvider_SameEpochStartedAMinuteApart_BothAtTheSameScaledTime()
    {
        var real = new ManualClock(Epoch);
        var first = new ScaledTimeProvider(60, real, Epoch);
        real.Advance(TimeSpan.FromMinutes(1));

        var restarted = new ScaledTimeProvider(60, real, Epoch);

        Assert.Equal(Epoch + TimeSpan.FromHours(1), restarted.GetUtcNow());
        Assert.Equal(restarted.GetUtcNow(), first.GetUtcNow());
    }

    [Fact]
    public void ScaledTimeProvider_NoEpoch_StartsAtTheRealTimeOfItsCreation()
    {
        var real = new ManualClock(Epoch);
        real.Advance(TimeSpan.FromMinutes(1));

        var clock = new ScaledTimeProvider(60, real);

        Assert.Equal(Epoch + TimeSpan.FromMinutes(1), clock.GetUtcNow());
    }

    [Theory]
    [InlineData(null, null, DomainStore.Sqlite)]
    [InlineData("Postgres", null, DomainStore.Postgres)]
    [InlineData("postgres", "Sqlite", DomainStore.Sqlite)]
    public void AddFoodOrdering_EngineAndDomainStoreSettings_DomainFollowsTheEngineUnlessSetApart(string? engineStore, string? domainStore, DomainStore expected)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            [FoodOrderingExtensions.EngineStoreKey] = engineStore,
            [FoodOrderingExtensions.EngineConnectionStringKey] = "Host=db.test;Database=food",
            ["FoodOrdering:Store"] = domainStore,
        });
        builder.AddFoodOrdering(builder.AddDurable());
        using var services = builder.Services.BuildServiceProvider();

        var options = services.GetRequiredService<IOptions<FoodOrderingOptions>>().Value;

        Assert.Equal(expected, options.Store);
        Assert.Equal("Host=db.test;Database=food", options.ConnectionString);
    }

    /// <summary>A real clock that moves only when told (its wall time and its timestamps together).</summary>
    private sealed class ManualClock(DateTimeOffset start) : TimeProvider
    {
        private TimeSpan _elapsed;

        public void Advance(TimeSpan by) => _elapsed += by;

        public override DateTimeOffset GetUtcNow() => start + _elapsed;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => _elapsed.Ticks;
    }
}
