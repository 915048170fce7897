using System.Text.Json;
using Durable;
using FoodOrdering.Domain.Orders;
using FoodOrdering.Domain.Storage;

namespace FoodOrdering.Domain.Restaurants;

public enum KitchenOrderState
{
    Queued,
    Cooking,
    Ready,
    Notified,
    Cancelled,
}

public sealed record KitchenOrder(
    string OrderId,
    string RestaurantId,
    IReadOnlyList<OrderProduct> Products,
    KitchenOrderState State,
    DateTimeOffset AcceptedAt,
    int? Cook,
    DateTimeOffset? CookStartedAt,
    DateTimeOffset? ReadyAt,
    string CallbackUrl,
    int CallbackAttempts,
    string? LastCallbackError);

public sealed record CallbackDue(string OrderId, string RestaurantId, string CallbackUrl, int Attempts);

/// <summary>
/// A restaurant point of sale (simulated, as if external): every restaurant has cooks and a queue; each
/// order takes the sum of its items' preparation times. Its work is in its own SQLite file or in PostgreSQL
/// tables, so a restart loses nothing: orders keep cooking and callbacks are retried until the app answers.
/// With PostgreSQL several hosts share the kitchens: each restaurant is advanced by one host at a time
/// (a transaction-scoped advisory lock, skipped when another host holds it), and a due callback is claimed
/// with <c>FOR UPDATE SKIP LOCKED</c> and a lease, so one host makes it and a dead host's claim expires.
/// </summary>
public sealed class Kitchen : IDisposable
{
    private const string Columns = """
        order_id TEXT PRIMARY KEY, restaurant_id TEXT NOT NULL, products TEXT NOT NULL, state INTEGER NOT NULL,
        accepted_at BIGINT NOT NULL, cook INTEGER, cook_started_at BIGINT, ready_at BIGINT,
        callback_url TEXT NOT NULL, callback_attempts INTEGER NOT NULL DEFAULT 0, next_callback_at BIGINT, last_callback_error TEXT
        """;

    private readonly DomainDatabase _db;
    private readonly TimeProvider _time;
    private readonly double _prepTimeFactor;
    private readonly string _orders;

    public Kitchen(string path, TimeProvider time, double prepTimeFactor = 1)
        : this(DomainDatabase.Sqlite(path), time, prepTimeFactor)
    {
    }

    /// <summary>
    /// The kitchens in <paramref name="database"/> (which it owns from now on); the table is created when missing.
    /// Every dish takes its menu preparation time times <paramref name="prepTimeFactor"/>; with 0 an order is ready
    /// the moment it is accepted (no cook, no queue), for measuring the rest of the system without the kitchen's time.
    /// </summary>
    public Kitchen(DomainDatabase database, TimeProvider time, double prepTimeFactor = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(prepTimeFactor);
        _db = database;
        _time = time;
        _prepTimeFactor = prepTimeFactor;
        _orders = database.IsPostgres ? "pos_kitchen_orders" : "kitchen_orders";
        var schema = $"""
            CREATE TABLE IF NOT EXISTS {_orders} ({Columns});
            CREATE INDEX IF NOT EXISTS {(database.IsPostgres ? "ix_pos_kitchen_state" : "ix_kitchen_state")} ON {_orders} (state, restaurant_id, accepted_at);
            """;
        database.Migrate("kitchen", schema);
    }

    /// <summary>Raised when an order became ready outside <see cref="Advance"/> (instant preparation, the "prepared" button): its callback is due now.</summary>
    public event Action? CallbackReady;

    /// <summary>Accepts an order into the restaurant's queue; accepting the same order again changes nothing.</summary>
    public PrepareAccepted Accept(PrepareRequest request)
    {
        var restaurant = Catalog.Find(request.RestaurantId) ?? throw new ArgumentException($"Unknown restaurant '{request.RestaurantId}'.");
        var now = _time.GetUtcNow();
        var instant = _prepTimeFactor == 0;
        using var connection = _db.Open();
        var inserted = _db.Execute(connection, $"""
            INSERT INTO {_orders} (order_id, restaurant_id, products, state, accepted_at, ready_at, next_callback_at, callback_url)
            VALUES (@o, @r, @p, @state, @now, @ready, @ready, @cb) ON CONFLICT (order_id) DO NOTHING
            """, ("@o", request.OrderId), ("@r", request.RestaurantId), ("@p", JsonSerializer.Serialize(request.Products, DurableJson.Options)),
            ("@state", instant ? (int)KitchenOrderState.Ready : (int)KitchenOrderState.Queued), ("@now", now.ToUnixTimeMilliseconds()),
            ("@ready", instant ? now.ToUnixTimeMilliseconds() : null), ("@cb", request.CallbackUrl));
        if (instant)
        {
            if (inserted == 1)
            {
                CallbackReady?.Invoke();
            }
            return new PrepareAccepted(request.OrderId, 0, now);
        }
        var ahead = Convert.ToInt32(_db.Scalar(connection, $"""
            SELECT COUNT(*) FROM {_orders} WHERE restaurant_id = @r AND state IN (0, 1)
              AND accepted_at <= (SELECT accepted_at FROM {_orders} WHERE order_id = @o)
            """, null, ("@r", request.RestaurantId), ("@o", request.OrderId)), System.Globalization.CultureInfo.InvariantCulture);
        var eta = now + TimeSpan.FromSeconds(PrepSeconds(restaurant, request.Products) * _prepTimeFactor * Math.Max(1.0, (double)ahead / restaurant.Cooks));
        return new PrepareAccepted(request.OrderId, ahead, eta);
    }

    /// <summary>Stops an order that is not ready yet; false when it is unknown or already done.</summary>
    public bool Cancel(string orderId)
    {
        using var connection = _db.Open();
        return _db.Execute(connection, $"UPDATE {_orders} SET state = 4 WHERE order_id = @o AND state IN (0, 1)", ("@o", orderId)) == 1;
    }

    /// <summary>The kitchen display's "prepared" button: the order is ready now, whatever the cook was doing.</summary>
    public bool MarkReady(string orderId)
    {
        using var connection = _db.Open();
        var marked = _db.Execute(connection, $"UPDATE {_orders} SET state = 2, ready_at = @now, next_callback_at = @now WHERE order_id = @o AND state IN (0, 1)",
            ("@o", orderId), ("@now", _time.GetUtcNow().ToUnixTimeMilliseconds())) == 1;
        if (marked)
        {
            CallbackReady?.Invoke();
        }
        return marked;
    }

    /// <summary>Moves time forward for every restaurant: free cooks take the oldest queued orders, finished dishes become ready.</summary>
    public void Advance()
    {
        var nowMs = _time.GetUtcNow().ToUnixTimeMilliseconds();
        using var connection = _db.Open();
        foreach (var restaurant in Catalog.All)
        {
            using var tx = DomainDatabase.BeginWrite(connection);
            if (_db.IsPostgres && _db.Scalar(connection, "SELECT pg_try_advisory_xact_lock(hashtext(@key))", tx, ("@key", "pos-kitchen:" + restaurant.Id)) is not true)
            {
                continue;   // another host is advancing this restaurant right now
            }
            _db.Execute(connection, $"UPDATE {_orders} SET state = 2, next_callback_at = @now WHERE restaurant_id = @r AND state = 1 AND ready_at <= @now", tx,
                ("@now", nowMs), ("@r", restaurant.Id));
            var busy = _db.Query(connection, $"SELECT cook FROM {_orders} WHERE restaurant_id = @r AND state = 1", tx, r => r.GetInt32(0), ("@r", restaurant.Id)).ToHashSet();
            var free = Enumerable.Range(0, restaurant.Cooks).Where(c => !busy.Contains(c)).ToList();
            if (free.Count > 0)
            {
                var queued = _db.Query(connection, $"SELECT order_id, products FROM {_orders} WHERE restaurant_id = @r AND state = 0 ORDER BY accepted_at, order_id LIMIT @n", tx,
                    r => (OrderId: r.GetString(0), Products: r.GetString(1)), ("@r", restaurant.Id), ("@n", free.Count));
                foreach (var (order, cook) in queued.Zip(free))
                {
                    var seconds = PrepSeconds(restaurant, JsonSerializer.Deserialize<List<OrderProduct>>(order.Products, DurableJson.Options)!) * _prepTimeFactor;
                    _db.Execute(connection, $"UPDATE {_orders} SET state = 1, cook = @c, cook_started_at = @now, ready_at = @ready WHERE order_id = @o", tx,
                        ("@c", cook), ("@now", nowMs), ("@ready", nowMs + (long)(seconds * 1000)), ("@o", order.OrderId));
                }
            }
            tx.Commit();
        }
    }

    /// <summary>
    /// Claims up to <paramref name="max"/> ready orders whose callback is due (first try or retry) for
    /// <paramref name="lease"/> (in the kitchen's time): no other host makes them meanwhile, and they are due
    /// again if this one dies before it reports the outcome.
    /// </summary>
    public IReadOnlyList<CallbackDue> ClaimCallbacksDue(int max, TimeSpan lease)
    {
        var now = _time.GetUtcNow();
        using var connection = _db.Open();
        return _db.Query(connection, $"""
            UPDATE {_orders} SET next_callback_at = @lease WHERE order_id IN
              (SELECT order_id FROM {_orders} WHERE state = 2 AND next_callback_at <= @now ORDER BY next_callback_at LIMIT @max{(_db.IsPostgres ? " FOR UPDATE SKIP LOCKED" : "")})
            RETURNING order_id, restaurant_id, callback_url, callback_attempts
            """, null, r => new CallbackDue(r.GetString(0), r.GetString(1), r.GetString(2), r.GetInt32(3)),
            ("@now", now.ToUnixTimeMilliseconds()), ("@lease", (now + lease).ToUnixTimeMilliseconds()), ("@max", max));
    }

    public void CallbackSucceeded(string orderId)
    {
        using var connection = _db.Open();
        _db.Execute(connection, $"UPDATE {_orders} SET state = 3, callback_attempts = callback_attempts + 1, last_callback_error = NULL WHERE order_id = @o AND state = 2",
            ("@o", orderId));
    }

    public void CallbackFailed(string orderId, string error, TimeSpan retryIn)
    {
        using var connection = _db.Open();
        _db.Execute(connection, $"UPDATE {_orders} SET callback_attempts = callback_attempts + 1, last_callback_error = @e, next_callback_at = @next WHERE order_id = @o AND state = 2",
            ("@o", orderId), ("@e", error), ("@next", (_time.GetUtcNow() + retryIn).ToUnixTimeMilliseconds()));
    }

    /// <summary>A restaurant's open orders (queued, cooking, ready) and the last finished ones, for the kitchen display.</summary>
    public IReadOnlyList<KitchenOrder> Orders(string restaurantId, int recentDone = 20)
    {
        using var connection = _db.Open();
        return _db.Query(connection, $"""
            SELECT order_id, restaurant_id, products, state, accepted_at, cook, cook_started_at, ready_at, callback_url, callback_attempts, last_callback_error
            FROM {_orders} WHERE restaurant_id = @r AND (state IN (0, 1, 2) OR order_id IN
              (SELECT order_id FROM {_orders} WHERE restaurant_id = @r AND state IN (3, 4) ORDER BY accepted_at DESC LIMIT @n))
            ORDER BY accepted_at
            """, null, r => new KitchenOrder(r.GetString(0), r.GetString(1),
                JsonSerializer.Deserialize<List<OrderProduct>>(r.GetString(2), DurableJson.Options)!, (KitchenOrderState)r.GetInt32(3),
                DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(4)), r.IsDBNull(5) ? null : r.GetInt32(5),
                r.IsDBNull(6) ? null : DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(6)),
                r.IsDBNull(7) ? null : DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(7)),
                r.GetString(8), r.GetInt32(9), r.IsDBNull(10) ? null : r.GetString(10)), ("@r", restaurantId), ("@n", recentDone));
    }

    public static double PrepSeconds(Restaurant restaurant, IEnumerable<OrderProduct> products) =>
        Math.Max(1, products.Sum(p => (restaurant.FindProduct(p.ProductId)?.PrepSeconds ?? 5) * Math.Max(1, p.Quantity)));

    public void Dispose() => _db.Dispose();
}
