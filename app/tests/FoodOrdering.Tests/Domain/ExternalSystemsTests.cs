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
    public void Charge_SameKeyTwice_ChargesOnceAndAnswersTheSame()
    {
        var ledger = new PaymentLedger(File("payments.db"), new PaymentRules(), _time);

        var first = ledger.Charge(new ChargeRequest("o-1", "key-1", 12.5m));
        var again = ledger.Charge(new ChargeRequest("o-1", "key-1", 12.5m));

        Assert.True(first.Approved);
        Assert.Equal(first, again);
        Assert.Single(ledger.ForOrder("o-1"));
        Assert.Empty(ledger.OrdersChargedTwice());
    }

    [Fact]
    public void Refund_RepeatedWithAnyKey_RefundsOnceInFull()
    {
        var ledger = new PaymentLedger(File("payments.db"), new PaymentRules(), _time);
        var charge = ledger.Charge(new ChargeRequest("o-2", "key-2", 30m));

        var first = ledger.Refund(new RefundRequest(charge.ChargeId, "refund-a", "cancelled"));
        var second = ledger.Refund(new RefundRequest(charge.ChargeId, "refund-b", "cancelled again"));

        Assert.Equal(30m, first!.Amount);
        Assert.Equal(first, second);
        Assert.Equal(["charge", "refund"], ledger.ForOrder("o-2").Select(e => e.Kind));
        Assert.Null(ledger.Refund(new RefundRequest("ch_unknown", "refund-c", "nothing to refund")));
    }

    [Theory]
    [InlineData("o-decline-7", 10, "The card was declined.")]
    [InlineData("o-big", 5000, "is over the card's limit")]
    [InlineData("o-zero", 0, "The amount must be positive.")]
    public void Charge_DeclineRules_DeclinedWithReasonAndNotRefundable(string orderId, int amount, string reason)
    {
        var ledger = new PaymentLedger(File("payments.db"), new PaymentRules(), _time);

        var result = ledger.Charge(new ChargeRequest(orderId, "k-" + orderId, amount));

        Assert.False(result.Approved);
        Assert.Contains(reason, result.DeclineReason, StringComparison.Ordinal);
        Assert.Null(ledger.Refund(new RefundRequest(result.ChargeId, "r-" + orderId, "no")));
    }

    [Fact]
    public void Kitchen_RestartedWhileCooking_KeepsCookingAndCallsBackAfterRestart()
    {
        var request = new PrepareRequest("o-3", "mcstate", [new OrderProduct("1006", "Fries", 2)], "http://app.test/callback");
        using (var kitchen = new Kitchen(File("kitchen.db"), _time))
        {
            Assert.Equal(1, kitchen.Accept(request).QueuePosition);
            Assert.Equal(1, kitchen.Accept(request).QueuePosition);
            kitchen.Advance();
            Assert.Equal(KitchenOrderState.Cooking, Assert.Single(kitchen.Orders("mcstate")).State);
        }

        using var restarted = new Kitchen(File("kitchen.db"), _time);
        _time.Advance(TimeSpan.FromSeconds(Kitchen.PrepSeconds(Catalog.Find("mcstate")!, request.Products)));
        restarted.Advance();

        var order = Assert.Single(restarted.Orders("mcstate"));
        Assert.Equal(KitchenOrderState.Ready, order.State);
        var due = Assert.Single(restarted.ClaimCallbacksDue(10, TimeSpan.Zero));
        Assert.Equal("http://app.test/callback", due.CallbackUrl);
        restarted.CallbackFailed("o-3", "503", TimeSpan.FromSeconds(2));
        Assert.Empty(restarted.ClaimCallbacksDue(10, TimeSpan.Zero));
        _time.Advance(TimeSpan.FromSeconds(2));
        Assert.Single(restarted.ClaimCallbacksDue(10, TimeSpan.Zero));
        restarted.CallbackSucceeded("o-3");
        Assert.Equal(KitchenOrderState.Notified, Assert.Single(restarted.Orders("mcstate")).State);
    }

    [Fact]
    public void ClaimCallbacksDue_ClaimedByAnotherKitchenOnTheSameStore_NotRepeatedUntilTheLeaseEnds()
    {
        using var kitchen = new Kitchen(File("kitchen.db"), _time);
        using var other = new Kitchen(File("kitchen.db"), _time);
        kitchen.Accept(new PrepareRequest("o-4", "mcstate", [new OrderProduct("1006", "Fries", 1)], "http://app.test/callback"));
        Assert.True(kitchen.MarkReady("o-4"));

        Assert.Equal("o-4", Assert.Single(kitchen.ClaimCallbacksDue(10, TimeSpan.FromSeconds(20))).OrderId);
        Assert.Empty(other.ClaimCallbacksDue(10, TimeSpan.FromSeconds(20)));
        _time.Advance(TimeSpan.FromSeconds(20));

        var retaken = Assert.Single(other.ClaimCallbacksDue(10, TimeSpan.FromSeconds(20)));
        Assert.Equal(("o-4", 0), (retaken.OrderId, retaken.Attempts));
        other.CallbackSucceeded("o-4");
        _time.Advance(TimeSpan.FromSeconds(20));
        Assert.Empty(kitchen.ClaimCallbacksDue(10, TimeSpan.FromSeconds(20)));
    }

    [Fact]
    public void Totals_ChargesDeclinesAndARefund_CountedWithNothingChargedTwice()
    {
        var ledger = new PaymentLedger(File("payments.db"), new PaymentRules(), _time);
        var charge = ledger.Charge(new ChargeRequest("o-5", "key-5", 9m));
        ledger.Charge(new ChargeRequest("o-5", "key-5", 9m));
        ledger.Charge(new ChargeRequest("o-6", "key-6", 4m));
        ledger.Charge(new ChargeRequest("o-decline-7", "key-7", 4m));
        ledger.Refund(new RefundRequest(charge.ChargeId, "refund-5", "cancelled"));

        Assert.Equal(new LedgerTotals(Approved: 2, Declined: 1, Refunds: 1, OrdersChargedTwice: 0, MismatchedRefunds: 0), ledger.Totals());
    }

    [Fact]
    public void Kitchen_MoreOrdersThanCooks_QueuesTheRestOldestFirst()
    {
        using var kitchen = new Kitchen(File("kitchen.db"), _time);
        var cooks = Catalog.Find("snack_in_the_box")!.Cooks;
        for (var i = 0; i < cooks + 2; i++)
        {
            kitchen.Accept(new PrepareRequest($"q-{i}", "snack_in_the_box", [new OrderProduct("1007", null, 1)], "http://app.test/cb"));
            _time.Advance(TimeSpan.FromMilliseconds(5));
        }

        kitchen.Advance();

        var orders = kitchen.Orders("snack_in_the_box");
        Assert.Equal(cooks, orders.Count(o => o.State == KitchenOrderState.Cooking));
        Assert.Equal(["q-" + cooks, "q-" + (cooks + 1)], orders.Where(o => o.State == KitchenOrderState.Queued).Select(o => o.OrderId));
        Assert.True(kitchen.Cancel($"q-{cooks + 1}"));
        Assert.Equal(KitchenOrderState.Cancelled, kitchen.Orders("snack_in_the_box").Single(o => o.OrderId == $"q-{cooks + 1}").State);
    }

    [Fact]
    public void Accept_PrepTimeFactorZero_ReadyAtOnceWithItsCallbackDueAndAnnounced()
    {
        using var kitchen = new Kitchen(File("kitchen.db"), _time, prepTimeFactor: 0);
        var announced = 0;
        kitchen.CallbackReady += () => announced++;
        var cooks = Catalog.Find("snack_in_the_box")!.Cooks;

        for (var i = 0; i < cooks + 2; i++)
        {
            Assert.Equal(0, kitchen.Accept(new PrepareRequest($"z-{i}", "snack_in_the_box", [new OrderProduct("1000", null, 3)], "http://app.test/cb")).QueuePosition);
        }
        kitchen.Accept(new PrepareRequest("z-0", "snack_in_the_box", [new OrderProduct("1000", null, 3)], "http://app.test/cb"));

        Assert.Equal(cooks + 2, announced);
        Assert.All(kitchen.Orders("snack_in_the_box"), o => Assert.Equal(KitchenOrderState.Ready, o.State));
        Assert.Equal(cooks + 2, kitchen.ClaimCallbacksDue(100, TimeSpan.FromSeconds(20)).Count);
    }

    [Fact]
    public void Advance_PrepTimeFactorHalf_ReadyAfterHalfThePrepTime()
    {
        using var kitchen = new Kitchen(File("kitchen.db"), _time, prepTimeFactor: 0.5);
        var products = new[] { new OrderProduct("1000", null, 2) };
        kitchen.Accept(new PrepareRequest("h-1", "mcstate", products, "http://app.test/cb"));
        kitchen.Advance();
        var half = TimeSpan.FromSeconds(Kitchen.PrepSeconds(Catalog.Find("mcstate")!, products) / 2);

        // A second's margin: the provider's clock also runs in real time.
        _time.Advance(half - TimeSpan.FromSeconds(1));
        kitchen.Advance();
        Assert.Equal(KitchenOrderState.Cooking, Assert.Single(kitchen.Orders("mcstate")).State);
        _time.Advance(TimeSpan.FromSeconds(1));
        kitchen.Advance();
        Assert.Equal(KitchenOrderState.Ready, Assert.Single(kitchen.Orders("mcstate")).State);
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
