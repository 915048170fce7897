using Durable.Testing;
using FoodOrdering.Domain.Orders;
using FoodOrdering.Domain.Payments;
using FoodOrdering.Domain.Restaurants;

namespace FoodOrdering.Tests.Domain;

/// <summary>The payment provider's ledger and the kitchen simulator on real SQLite files.</summary>
public sealed class ExternalSystemsTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "foodordering-tests", Guid.NewGuid().ToString("N"));
    private readonly SkippingTimeProvider _time = new();

    private string File(string name) => Path.Combine(_directory, name);

    [Fact]
    public async Task Charge_SameKeyTwice_ChargesOnceAndAnswersTheSame()
    {
        var ledger = new PaymentLedger(File("payments.db"), new PaymentRules(), _time);

        var first = await ledger.ChargeAsync(new ChargeRequest("o-1", "key-1", 12.5m));
        var again = await ledger.ChargeAsync(new ChargeRequest("o-1", "key-1", 12.5m));

        Assert.True(first.Approved);
        Assert.Equal(first, again);
        Assert.Single(await ledger.ForOrderAsync("o-1"));
        Assert.Empty(await ledger.OrdersChargedTwiceAsync());
    }

    [Fact]
    public async Task Refund_RepeatedWithAnyKey_RefundsOnceInFull()
    {
        var ledger = new PaymentLedger(File("payments.db"), new PaymentRules(), _time);
        var charge = await ledger.ChargeAsync(new ChargeRequest("o-2", "key-2", 30m));

        var first = await ledger.RefundAsync(new RefundRequest(charge.ChargeId, "refund-a", "cancelled"));
        var second = await ledger.RefundAsync(new RefundRequest(charge.ChargeId, "refund-b", "cancelled again"));

        Assert.Equal(30m, first!.Amount);
        Assert.Equal(first, second);
        Assert.Equal(["charge", "refund"], (await ledger.ForOrderAsync("o-2")).Select(e => e.Kind));
        Assert.Null(await ledger.RefundAsync(new RefundRequest("ch_unknown", "refund-c", "nothing to refund")));
    }

    [Theory]
    [InlineData("o-decline-7", 10, "The card was declined.")]
    [InlineData("o-big", 5000, "is over the card's limit")]
    [InlineData("o-zero", 0, "The amount must be positive.")]
    public async Task Charge_DeclineRules_DeclinedWithReasonAndNotRefundable(string orderId, int amount, string reason)
    {
        var ledger = new PaymentLedger(File("payments.db"), new PaymentRules(), _time);

        var result = await ledger.ChargeAsync(new ChargeRequest(orderId, "k-" + orderId, amount));

        Assert.False(result.Approved);
        Assert.Contains(reason, result.DeclineReason, StringComparison.Ordinal);
        Assert.Null(await ledger.RefundAsync(new RefundRequest(result.ChargeId, "r-" + orderId, "no")));
    }

    [Fact]
    public async Task Kitchen_RestartedWhileCooking_KeepsCookingAndCallsBackAfterRestart()
    {
        var request = new PrepareRequest("o-3", "mcstate", [new OrderProduct("1006", "Fries", 2)], "http://app.test/callback");
        using (var kitchen = new Kitchen(File("kitchen.db"), _time))
        {
            Assert.Equal(1, (await kitchen.AcceptAsync(request)).QueuePosition);
            Assert.Equal(1, (await kitchen.AcceptAsync(request)).QueuePosition);
            await kitchen.AdvanceAsync();
            Assert.Equal(KitchenOrderState.Cooking, Assert.Single(await kitchen.OrdersAsync("mcstate")).State);
        }

        using var restarted = new Kitchen(File("kitchen.db"), _time);
        _time.Advance(TimeSpan.FromSeconds(Kitchen.PrepSeconds(Catalog.Find("mcstate")!, request.Products)));
        await restarted.AdvanceAsync();

        var order = Assert.Single(await restarted.OrdersAsync("mcstate"));
        Assert.Equal(KitchenOrderState.Ready, order.State);
        var due = Assert.Single(await restarted.ClaimCallbacksDueAsync(10, TimeSpan.Zero));
        Assert.Equal("http://app.test/callback", due.CallbackUrl);
        await restarted.CallbackFailedAsync("o-3", "503", TimeSpan.FromSeconds(2));
        Assert.Empty(await restarted.ClaimCallbacksDueAsync(10, TimeSpan.Zero));
        _time.Advance(TimeSpan.FromSeconds(2));
        Assert.Single(await restarted.ClaimCallbacksDueAsync(10, TimeSpan.Zero));
        await restarted.CallbackSucceededAsync("o-3");
        Assert.Equal(KitchenOrderState.Notified, Assert.Single(await restarted.OrdersAsync("mcstate")).State);
    }

    [Fact]
    public async Task ClaimCallbacksDue_ClaimedByAnotherKitchenOnTheSameStore_NotRepeatedUntilTheLeaseEnds()
    {
        using var kitchen = new Kitchen(File("kitchen.db"), _time);
        using var other = new Kitchen(File("kitchen.db"), _time);
        await kitchen.AcceptAsync(new PrepareRequest("o-4", "mcstate", [new OrderProduct("1006", "Fries", 1)], "http://app.test/callback"));
        Assert.True(await kitchen.MarkReadyAsync("o-4"));

        Assert.Equal("o-4", Assert.Single(await kitchen.ClaimCallbacksDueAsync(10, TimeSpan.FromSeconds(20))).OrderId);
        Assert.Empty(await other.ClaimCallbacksDueAsync(10, TimeSpan.FromSeconds(20)));
        _time.Advance(TimeSpan.FromSeconds(20));

        var retaken = Assert.Single(await other.ClaimCallbacksDueAsync(10, TimeSpan.FromSeconds(20)));
        Assert.Equal(("o-4", 0), (retaken.OrderId, retaken.Attempts));
        await other.CallbackSucceededAsync("o-4");
        _time.Advance(TimeSpan.FromSeconds(20));
        Assert.Empty(await kitchen.ClaimCallbacksDueAsync(10, TimeSpan.FromSeconds(20)));
    }

    [Fact]
    public async Task Totals_ChargesDeclinesAndARefund_CountedWithNothingChargedTwice()
    {
        var ledger = new PaymentLedger(File("payments.db"), new PaymentRules(), _time);
        var charge = await ledger.ChargeAsync(new ChargeRequest("o-5", "key-5", 9m));
        await ledger.ChargeAsync(new ChargeRequest("o-5", "key-5", 9m));
        await ledger.ChargeAsync(new ChargeRequest("o-6", "key-6", 4m));
        await ledger.ChargeAsync(new ChargeRequest("o-decline-7", "key-7", 4m));
        await ledger.RefundAsync(new RefundRequest(charge.ChargeId, "refund-5", "cancelled"));

        Assert.Equal(new LedgerTotals(Approved: 2, Declined: 1, Refunds: 1, OrdersChargedTwice: 0, MismatchedRefunds: 0), await ledger.TotalsAsync());
    }

    [Fact]
    public async Task Kitchen_MoreOrdersThanCooks_QueuesTheRestOldestFirst()
    {
        using var kitchen = new Kitchen(File("kitchen.db"), _time);
        var cooks = Catalog.Find("snack_in_the_box")!.Cooks;
        for (var i = 0; i < cooks + 2; i++)
        {
            await kitchen.AcceptAsync(new PrepareRequest($"q-{i}", "snack_in_the_box", [new OrderProduct("1007", null, 1)], "http://app.test/cb"));
            _time.Advance(TimeSpan.FromMilliseconds(5));
        }

        await kitchen.AdvanceAsync();

        var orders = await kitchen.OrdersAsync("snack_in_the_box");
        Assert.Equal(cooks, orders.Count(o => o.State == KitchenOrderState.Cooking));
        Assert.Equal(["q-" + cooks, "q-" + (cooks + 1)], orders.Where(o => o.State == KitchenOrderState.Queued).Select(o => o.OrderId));
        Assert.True(await kitchen.CancelAsync($"q-{cooks + 1}"));
        Assert.Equal(KitchenOrderState.Cancelled, (await kitchen.OrdersAsync("snack_in_the_box")).Single(o => o.OrderId == $"q-{cooks + 1}").State);
    }

    [Fact]
    public async Task Accept_PrepTimeFactorZero_ReadyAtOnceWithItsCallbackDueAndAnnounced()
    {
        using var kitchen = new Kitchen(File("kitchen.db"), _time, prepTimeFactor: 0);
        var announced = 0;
        kitchen.CallbackReady += () => announced++;
        var cooks = Catalog.Find("snack_in_the_box")!.Cooks;

        for (var i = 0; i < cooks + 2; i++)
        {
            Assert.Equal(0, (await kitchen.AcceptAsync(new PrepareRequest($"z-{i}", "snack_in_the_box", [new OrderProduct("1000", null, 3)], "http://app.test/cb"))).QueuePosition);
        }
        await kitchen.AcceptAsync(new PrepareRequest("z-0", "snack_in_the_box", [new OrderProduct("1000", null, 3)], "http://app.test/cb"));

        Assert.Equal(cooks + 2, announced);
        Assert.All(await kitchen.OrdersAsync("snack_in_the_box"), o => Assert.Equal(KitchenOrderState.Ready, o.State));
        Assert.Equal(cooks + 2, (await kitchen.ClaimCallbacksDueAsync(100, TimeSpan.FromSeconds(20))).Count);
    }

    [Fact]
    public async Task Advance_PrepTimeFactorHalf_ReadyAfterHalfThePrepTime()
    {
        using var kitchen = new Kitchen(File("kitchen.db"), _time, prepTimeFactor: 0.5);
        var products = new[] { new OrderProduct("1000", null, 2) };
        await kitchen.AcceptAsync(new PrepareRequest("h-1", "mcstate", products, "http://app.test/cb"));
        await kitchen.AdvanceAsync();
        var half = TimeSpan.FromSeconds(Kitchen.PrepSeconds(Catalog.Find("mcstate")!, products) / 2);

        // A second's margin: the provider's clock also runs in real time.
        _time.Advance(half - TimeSpan.FromSeconds(1));
        await kitchen.AdvanceAsync();
        Assert.Equal(KitchenOrderState.Cooking, Assert.Single(await kitchen.OrdersAsync("mcstate")).State);
        _time.Advance(TimeSpan.FromSeconds(1));
        await kitchen.AdvanceAsync();
        Assert.Equal(KitchenOrderState.Ready, Assert.Single(await kitchen.OrdersAsync("mcstate")).State);
    }

    public void Dispose()
    {
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
}
