using System.Globalization;
using FoodOrdering.Domain.Storage;

namespace FoodOrdering.Domain.Payments;

public sealed record LedgerEntry(string Kind, string Id, string OrderId, decimal Amount, string Status, string? Reason, DateTimeOffset At);

/// <summary>
/// The payment provider's books, in their own SQLite file or in PostgreSQL tables shared by several hosts: one
/// charge per idempotency key, at most one refund per charge, both held by unique constraints. Repeating a
/// request with the same key returns the first answer, so a retried activity never charges twice, whichever
/// host it runs on.
/// </summary>
public sealed class PaymentLedger : IDisposable
{
    private readonly DomainDatabase _db;
    private readonly TimeProvider _time;
    private readonly PaymentRules _rules;
    private readonly string _charges;
    private readonly string _refunds;

    public PaymentLedger(string path, PaymentRules rules, TimeProvider time)
        : this(DomainDatabase.Sqlite(path), rules, time)
    {
    }

    /// <summary>The ledger in <paramref name="database"/> (which it owns from now on); its tables are created when missing.</summary>
    public PaymentLedger(DomainDatabase database, PaymentRules rules, TimeProvider time)
    {
        _db = database;
        _rules = rules;
        _time = time;
        // PostgreSQL's tables are prefixed: one database holds the engine's tables, the kitchens' and these.
        (_charges, _refunds) = database.IsPostgres ? ("payment_charges", "payment_refunds") : ("charges", "refunds");
        var schema = $"""
            CREATE TABLE IF NOT EXISTS {_charges} (charge_id TEXT PRIMARY KEY, idempotency_key TEXT NOT NULL UNIQUE, order_id TEXT NOT NULL,
              amount TEXT NOT NULL, approved INTEGER NOT NULL, decline_reason TEXT, at BIGINT NOT NULL);
            CREATE INDEX IF NOT EXISTS ix_{_charges}_order ON {_charges} (order_id);
            CREATE TABLE IF NOT EXISTS {_refunds} (refund_id TEXT PRIMARY KEY, idempotency_key TEXT NOT NULL UNIQUE, charge_id TEXT NOT NULL UNIQUE,
              amount TEXT NOT NULL, reason TEXT NOT NULL, at BIGINT NOT NULL);
            """;
        database.Migrate("payments", schema);
    }

    public async Task<ChargeResult> ChargeAsync(ChargeRequest request, CancellationToken cancellationToken = default)
    {
        var decline = _rules.DeclineReason(request);
        await using var connection = await _db.OpenAsync(cancellationToken);
        // Two hosts charging the same key at once: the unique key makes the second insert wait for the first and do nothing.
        await _db.ExecuteAsync(connection, $"""
            INSERT INTO {_charges} (charge_id, idempotency_key, order_id, amount, approved, decline_reason, at)
            VALUES (@id, @key, @order, @amount, @approved, @reason, @at) ON CONFLICT (idempotency_key) DO NOTHING
            """, cancellationToken, ("@id", "ch_" + Guid.NewGuid().ToString("N")), ("@key", request.IdempotencyKey), ("@order", request.OrderId),
            ("@amount", request.Amount.ToString(CultureInfo.InvariantCulture)), ("@approved", decline is null ? 1 : 0), ("@reason", decline),
            ("@at", Now()));
        return (await _db.QueryAsync(connection, $"SELECT charge_id, approved, decline_reason FROM {_charges} WHERE idempotency_key = @key", null,
            r => new ChargeResult(r.GetInt32(1) != 0, r.GetString(0), r.IsDBNull(2) ? null : r.GetString(2)), cancellationToken, ("@key", request.IdempotencyKey))).Single();
    }

    /// <summary>Refunds an approved charge in full; null when the charge is unknown or was declined.</summary>
    public async Task<RefundResult?> RefundAsync(RefundRequest request, CancellationToken cancellationToken = default)
    {
        await using var connection = await _db.OpenAsync(cancellationToken);
        await using var tx = await DomainDatabase.BeginWriteAsync(connection, cancellationToken);
        if (await _db.ScalarAsync(connection, $"SELECT amount FROM {_charges} WHERE charge_id = @charge AND approved = 1", tx, cancellationToken,
            ("@charge", request.ChargeId)) is not string amount)
        {
            return null;
        }
        await _db.ExecuteAsync(connection, $"""
            INSERT INTO {_refunds} (refund_id, idempotency_key, charge_id, amount, reason, at) VALUES (@id, @key, @charge, @amount, @reason, @at)
            ON CONFLICT DO NOTHING
            """, tx, cancellationToken, ("@id", "re_" + Guid.NewGuid().ToString("N")), ("@key", request.IdempotencyKey), ("@charge", request.ChargeId),
            ("@amount", amount), ("@reason", request.Reason), ("@at", Now()));
        var result = (await _db.QueryAsync(connection, $"SELECT refund_id, amount FROM {_refunds} WHERE charge_id = @charge", tx,
            r => new RefundResult(r.GetString(0), decimal.Parse(r.GetString(1), CultureInfo.InvariantCulture)), cancellationToken, ("@charge", request.ChargeId))).Single();
        await tx.CommitAsync(cancellationToken);
        return result;
    }

    /// <summary>Every charge and refund of an order, oldest first.</summary>
    public async Task<IReadOnlyList<LedgerEntry>> ForOrderAsync(string orderId, CancellationToken cancellationToken = default)
    {
        await using var connection = await _db.OpenAsync(cancellationToken);
        return await _db.QueryAsync(connection, $"""
            SELECT 'charge', charge_id, order_id, amount, CASE approved WHEN 1 THEN 'approved' ELSE 'declined' END, decline_reason, at FROM {_charges} WHERE order_id = @order
            UNION ALL
            SELECT 'refund', r.refund_id, c.order_id, r.amount, 'refunded', r.reason, r.at FROM {_refunds} r JOIN {_charges} c ON c.charge_id = r.charge_id WHERE c.order_id = @order
            ORDER BY 7
            """, null, r => new LedgerEntry(r.GetString(0), r.GetString(1), r.GetString(2),
                decimal.Parse(r.GetString(3), CultureInfo.InvariantCulture), r.GetString(4), r.IsDBNull(5) ? null : r.GetString(5),
                DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(6))), cancellationToken, ("@order", orderId));
    }

    /// <summary>Orders charged (approved) more than once: must always be empty.</summary>
    public async Task<IReadOnlyList<string>> OrdersChargedTwiceAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await _db.OpenAsync(cancellationToken);
        return await _db.QueryAsync(connection, $"SELECT order_id FROM {_charges} WHERE approved = 1 GROUP BY order_id HAVING COUNT(*) > 1", null, r => r.GetString(0),
            cancellationToken);
    }

    /// <summary>The whole book in numbers, for audits (the chaos tests' invariants).</summary>
    public async Task<LedgerTotals> TotalsAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await _db.OpenAsync(cancellationToken);
        return (await _db.QueryAsync(connection, $"""
            SELECT (SELECT COUNT(*) FROM {_charges} WHERE approved = 1),
                   (SELECT COUNT(*) FROM {_charges} WHERE approved = 0),
                   (SELECT COUNT(*) FROM {_refunds}),
                   (SELECT COUNT(*) FROM (SELECT order_id FROM {_charges} WHERE approved = 1 GROUP BY order_id HAVING COUNT(*) > 1) twice),
                   (SELECT COUNT(*) FROM {_refunds} r JOIN {_charges} c ON c.charge_id = r.charge_id WHERE r.amount <> c.amount OR c.approved <> 1)
            """, null, r => new LedgerTotals(r.GetInt64(0), r.GetInt64(1), r.GetInt64(2), r.GetInt64(3), r.GetInt64(4)), cancellationToken)).Single();
    }

    private long Now() => _time.GetUtcNow().ToUnixTimeMilliseconds();

    public void Dispose() => _db.Dispose();
}

/// <summary>Counts over the whole ledger: charges approved and declined, refunds, orders charged twice, refunds that do not match their charge.</summary>
public sealed record LedgerTotals(long Approved, long Declined, long Refunds, long OrdersChargedTwice, long MismatchedRefunds);

/// <summary>When the stub provider declines, so that REJECTED is reachable on purpose.</summary>
public sealed class PaymentRules
{
    /// <summary>Charges above this amount are declined.</summary>
    public decimal Limit { get; set; } = 1_000m;

    /// <summary>Orders whose id contains this text are declined (tests and demos use it).</summary>
    public string DeclineMarker { get; set; } = "decline";

    public string? DeclineReason(ChargeRequest request) =>
        request.Amount <= 0 ? "The amount must be positive."
        : request.Amount > Limit ? $"The amount {request.Amount.ToString("0.00", CultureInfo.InvariantCulture)} is over the card's limit."
        : DeclineMarker.Length > 0 && request.OrderId.Contains(DeclineMarker, StringComparison.OrdinalIgnoreCase) ? "The card was declined."
        : null;
}
