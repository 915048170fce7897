using System.Globalization;
using Microsoft.Data.Sqlite;

namespace FoodOrdering.Domain.Payments;

public sealed record LedgerEntry(string Kind, string Id, string OrderId, decimal Amount, string Status, string? Reason, DateTimeOffset At);

/// <summary>
/// The payment provider's books, in their own SQLite file: one charge per idempotency key, at most one
/// refund per charge. Repeating a request with the same key returns the first answer, so a retried
/// activity never charges twice.
/// </summary>
public sealed class PaymentLedger
{
    private readonly string _connectionString;
    private readonly TimeProvider _time;
    private readonly PaymentRules _rules;

    public PaymentLedger(string path, PaymentRules rules, TimeProvider time)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        _connectionString = new SqliteConnectionStringBuilder { DataSource = path, Pooling = true, DefaultTimeout = 30 }.ToString();
        _rules = rules;
        _time = time;
        using var connection = Open();
        Execute(connection, """
            PRAGMA journal_mode=WAL;
            CREATE TABLE IF NOT EXISTS charges (charge_id TEXT PRIMARY KEY, idempotency_key TEXT NOT NULL UNIQUE, order_id TEXT NOT NULL,
              amount TEXT NOT NULL, approved INTEGER NOT NULL, decline_reason TEXT, at INTEGER NOT NULL);
            CREATE INDEX IF NOT EXISTS ix_charges_order ON charges (order_id);
            CREATE TABLE IF NOT EXISTS refunds (refund_id TEXT PRIMARY KEY, idempotency_key TEXT NOT NULL UNIQUE, charge_id TEXT NOT NULL UNIQUE,
              amount TEXT NOT NULL, reason TEXT NOT NULL, at INTEGER NOT NULL);
            """);
    }

    public ChargeResult Charge(ChargeRequest request)
    {
        var decline = _rules.DeclineReason(request);
        using var connection = Open();
        using var cmd = connection.CreateCommand();
        cmd.CommandText = """
            INSERT INTO charges (charge_id, idempotency_key, order_id, amount, approved, decline_reason, at)
            VALUES ($id, $key, $order, $amount, $approved, $reason, $at) ON CONFLICT (idempotency_key) DO NOTHING;
            SELECT charge_id, approved, decline_reason FROM charges WHERE idempotency_key = $key;
            """;
        cmd.Parameters.AddWithValue("$id", "ch_" + Guid.NewGuid().ToString("N"));
        cmd.Parameters.AddWithValue("$key", request.IdempotencyKey);
        cmd.Parameters.AddWithValue("$order", request.OrderId);
        cmd.Parameters.AddWithValue("$amount", request.Amount.ToString(CultureInfo.InvariantCulture));
        cmd.Parameters.AddWithValue("$approved", decline is null);
        cmd.Parameters.AddWithValue("$reason", (object?)decline ?? DBNull.Value);
        cmd.Parameters.AddWithValue("$at", _time.GetUtcNow().ToUnixTimeMilliseconds());
        using var reader = cmd.ExecuteReader();
        reader.Read();
        return new ChargeResult(reader.GetBoolean(1), reader.GetString(0), reader.IsDBNull(2) ? null : reader.GetString(2));
    }

    /// <summary>Refunds an approved charge in full; null when the charge is unknown or was declined.</summary>
    public RefundResult? Refund(RefundRequest request)
    {
        using var connection = Open();
        using var tx = connection.BeginTransaction(deferred: false);
        using var cmd = connection.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = "SELECT amount FROM charges WHERE charge_id = $charge AND approved = 1";
        cmd.Parameters.AddWithValue("$charge", request.ChargeId);
        if (cmd.ExecuteScalar() is not string amount)
        {
            return null;
        }
        cmd.CommandText = """
            INSERT INTO refunds (refund_id, idempotency_key, charge_id, amount, reason, at) VALUES ($id, $key, $charge, $amount, $reason, $at)
            ON CONFLICT DO NOTHING;
            SELECT refund_id, amount FROM refunds WHERE charge_id = $charge;
            """;
        cmd.Parameters.AddWithValue("$id", "re_" + Guid.NewGuid().ToString("N"));
        cmd.Parameters.AddWithValue("$key", request.IdempotencyKey);
        cmd.Parameters.AddWithValue("$amount", amount);
        cmd.Parameters.AddWithValue("$reason", request.Reason);
        cmd.Parameters.AddWithValue("$at", _time.GetUtcNow().ToUnixTimeMilliseconds());
        RefundResult result;
        using (var reader = cmd.ExecuteReader())
        {
            reader.Read();
            result = new RefundResult(reader.GetString(0), decimal.Parse(reader.GetString(1), CultureInfo.InvariantCulture));
        }
        tx.Commit();
        return result;
    }

    /// <summary>Every charge and refund of an order, oldest first.</summary>
    public IReadOnlyList<LedgerEntry> ForOrder(string orderId)
    {
        using var connection = Open();
        using var cmd = connection.CreateCommand();
        cmd.CommandText = """
            SELECT 'charge', charge_id, order_id, amount, CASE approved WHEN 1 THEN 'approved' ELSE 'declined' END, decline_reason, at FROM charges WHERE order_id = $order
            UNION ALL
            SELECT 'refund', r.refund_id, c.order_id, r.amount, 'refunded', r.reason, r.at FROM refunds r JOIN charges c ON c.charge_id = r.charge_id WHERE c.order_id = $order
            ORDER BY 7
            """;
        cmd.Parameters.AddWithValue("$order", orderId);
        var entries = new List<LedgerEntry>();
        using var reader = cmd.ExecuteReader();
        while (reader.Read())
        {
            entries.Add(new LedgerEntry(reader.GetString(0), reader.GetString(1), reader.GetString(2),
                decimal.Parse(reader.GetString(3), CultureInfo.InvariantCulture), reader.GetString(4), reader.IsDBNull(5) ? null : reader.GetString(5),
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(6))));
        }
        return entries;
    }

    /// <summary>Orders charged (approved) more than once: must always be empty.</summary>
    public IReadOnlyList<string> OrdersChargedTwice()
    {
        using var connection = Open();
        using var cmd = connection.CreateCommand();
        cmd.CommandText = "SELECT order_id FROM charges WHERE approved = 1 GROUP BY order_id HAVING COUNT(*) > 1";
        var orders = new List<string>();
        using var reader = cmd.ExecuteReader();
        while (reader.Read())
        {
            orders.Add(reader.GetString(0));
        }
        return orders;
    }

    private SqliteConnection Open()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        return connection;
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var cmd = connection.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }
}

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
