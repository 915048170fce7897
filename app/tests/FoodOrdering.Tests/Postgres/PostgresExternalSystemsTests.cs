using Durable.Testing;
using FoodOrdering.Domain.Orders;
using FoodOrdering.Domain.Payments;
using FoodOrdering.Domain.Restaurants;
using FoodOrdering.Domain.Storage;
using TestSupport.Postgres;

namespace FoodOrdering.Tests.Postgres;

/// <summary>
/// The payment ledger and the kitchens on a real PostgreSQL server, as several hosts use them: two instances over one
/// database, working at the same time.
/// </summary>
public sealed class PostgresExternalSystemsTests
{
    private readonly SkippingTimeProvider _time = new();

    [Fact]
    public async Task Charge_SameKeyFromManyHostsAtOnce_ChargesOnceAndAnswersTheSame()
    {
        var database = await DatabaseAsync();
        using var a = new PaymentLedger(DomainDatabase.Postgres(database), new PaymentRules(), _time);
        using var b = new PaymentLedger(DomainDatabase.Postgres(database), new PaymentRules(), _time);

        var answers = await Task.WhenAll(Enumerable.Range(0, 16).Select(i =>
            Task.Run(() => (i % 2 == 0 ? a : b).ChargeAsync(new ChargeRequest("o-1", "key-1", 12.5m)))));

        Assert.Single(answers.Distinct());
        Assert.Single(await a.ForOrderAsync("o-1"));
        Assert.Equal(new LedgerTotals(Approved: 1, Declined: 0, Refunds: 0, OrdersChargedTwice: 0, MismatchedRefunds: 0), await b.TotalsAsync());
    }

    [Fact]
    public async Task Refund_FromTwoHostsAtOnce_RefundsOnceInFull()
    {
        var database = await DatabaseAsync();
        using var a = new PaymentLedger(DomainDatabase.Postgres(database), new PaymentRules(), _time);
        using var b = new PaymentLedger(DomainDatabase.Postgres(database), new PaymentRules(), _time);
        var charge = await a.ChargeAsync(new ChargeRequest("o-2", "key-2", 30m));

        var refunds = await Task.WhenAll(Enumerable.Range(0, 8).Select(i =>
            Task.Run(() => (i % 2 == 0 ? a : b).RefundAsync(new RefundRequest(charge.ChargeId, $"refund-{i}", "cancelled")))));

        Assert.Single(refunds.Distinct());
        Assert.Equal(30m, refunds[0]!.Amount);
        Assert.Equal(["charge", "refund"], (await b.ForOrderAsync("o-2")).Select(e => e.Kind));
    }

    [Fact]
    public async Task Advance_TwoHostsAtOnce_EveryCookTakesOneOrderAndNoOrderTwoCooks()
    {
        var database = await DatabaseAsync();
        using var a = new Kitchen(DomainDatabase.Postgres(database), _time);
        using var b = new Kitchen(DomainDatabase.Postgres(database), _time);
        var restaurant = Catalog.Find("snack_in_the_box")!;
        for (var i = 0; i < restaurant.Cooks * 3; i++)
        {
            await a.AcceptAsync(new PrepareRequest($"q-{i:00}", restaurant.Id, [new OrderProduct("1007", null, 1)], "http://app.test/cb"));
            _time.Advance(TimeSpan.FromMilliseconds(5));
        }

        await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Task.Run(() => (i % 2 == 0 ? a : b).AdvanceAsync())));

        var cooking = (await b.OrdersAsync(restaurant.Id)).Where(o => o.State == KitchenOrderState.Cooking).ToList();
        Assert.Equal(restaurant.Cooks, cooking.Count);
        Assert.Equal(Enumerable.Range(0, restaurant.Cooks), cooking.Select(o => o.Cook!.Value).Order());
        Assert.Equal(Enumerable.Range(0, restaurant.Cooks).Select(i => $"q-{i:00}"), cooking.Select(o => o.OrderId).Order());
    }

    [Fact]
    public async Task ClaimCallbacksDue_TwoHostsAtOnce_EachCallbackClaimedByOneUntilItsLeaseEnds()
    {
        var database = await DatabaseAsync();
        using var a = new Kitchen(DomainDatabase.Postgres(database), _time);
        using var b = new Kitchen(DomainDatabase.Postgres(database), _time);
        for (var i = 0; i < 40; i++)
        {
            await a.AcceptAsync(new PrepareRequest($"r-{i:00}", "mcstate", [new OrderProduct("1006", null, 1)], "http://app.test/cb"));
            Assert.True(await a.MarkReadyAsync($"r-{i:00}"));
        }
        var lease = TimeSpan.FromSeconds(20);

        var claims = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Task.Run(() => (i % 2 == 0 ? a : b).ClaimCallbacksDueAsync(7, lease))));

        var claimed = claims.SelectMany(c => c).Select(c => c.OrderId).ToList();
        Assert.Equal(claimed.Count, claimed.Distinct().Count());
        Assert.Equal(40, claimed.Count);
        Assert.Empty(await b.ClaimCallbacksDueAsync(100, lease));
        _time.Advance(lease);
        Assert.Equal(40, (await a.ClaimCallbacksDueAsync(100, lease)).Count);
    }

    [Fact]
    public async Task Kitchen_TwoHostsCreatingTheSchemaAtOnce_BothWork()
    {
        var database = await DatabaseAsync();

        var kitchens = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => new Kitchen(DomainDatabase.Postgres(database), _time))));

        await kitchens[0].AcceptAsync(new PrepareRequest("s-1", "mcstate", [new OrderProduct("1006", null, 1)], "http://app.test/cb"));
        await Assert.AllAsync(kitchens, async k => Assert.Single(await k.OrdersAsync("mcstate")));
        foreach (var kitchen in kitchens)
        {
            kitchen.Dispose();
        }
    }

    private static async Task<string> DatabaseAsync() => await (await PostgresServer.SharedAsync()).CreateDatabaseAsync();
}
