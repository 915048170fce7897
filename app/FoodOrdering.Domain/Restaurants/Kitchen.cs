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

    /// <summary>Raised when an order became ready outside <see cref="AdvanceAsync"/> (instant preparation, the "prepared" button): its callback is due now.</summary>
    public event Action? CallbackReady;

    /// <summary>Accepts an order into the restaurant's queue; accepting the same order again changes nothing.</summary>
    public async Task<PrepareAccepted> AcceptAsync(PrepareRequest request, CancellationToken cancellationToken = default)
    {
        var restaurant = Catalog.Find(request.RestaurantId) ?? throw new ArgumentException($"Unknown restaurant '{request.RestaurantId}'.");
        var now = _time.GetUtcNow();
        var instant = _prepTimeFactor == 0;
        await using var connection = await _db.OpenAsync(cancellationToken);
        var inserted = await _db.ExecuteAsync(connection, $"""
            INSERT INTO {_orders} (order_id, restaurant_id, products, state, accepted_at, ready_at, next_callback_at, callback_url)
            VALUES (@o, @r, @p, @state, @now, @ready, @ready, @cb) ON CONFLICT (order_id) DO NOTHING
            """, cancellationToken, ("@o", request.OrderId), ("@r", request.RestaurantId), ("@p", JsonSerializer.Serialize(request.Products, DurableJson.Options)),
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
        var ahead = Convert.ToInt32(await _db.ScalarAsync(connection, $"""
            SELECT COUNT(*) FROM {_orders} WHERE restaurant_id = @r AND state IN (0, 1)
              AND accepted_at <= (SELECT accepted_at FROM {_orders} WHERE order_id = @o)
            """, null, cancellationToken, ("@r", request.RestaurantId), ("@o", request.OrderId)), System.Globalization.CultureInfo.InvariantCulture);
        var eta = now + TimeSpan.FromSeconds(PrepSeconds(restaurant, request.Products) * _prepTimeFactor * Math.Max(1.0, (double)ahead / restaurant.Cooks));
        return new PrepareAccepted(request.OrderId, ahead, eta);
    }

    /// <summary>Stops an order that is not ready yet; false when it is unknown or already done.</summary>
    public async Task<bool> CancelAsync(string orderId, CancellationToken cancellationToken = default)
    {
        await using var connection = await _db.OpenAsync(cancellationToken);
        return await _db.ExecuteAsync(connection, $"UPDATE {_orders} SET state = 4 WHERE order_id = @o AND state IN (0, 1)", cancellationToken, ("@o", orderId)) == 1;
    }

    /// <summary>The kitchen display's "prepared" button: the order is ready now, whatever the cook was doing.</summary>
    public async Task<bool> MarkReadyAsync(string orderId, CancellationToken cancellationToken = default)
    {
        await using var connection = await _db.OpenAsync(cancellationToken);
        var marked = await _db.ExecuteAsync(connection, $"UPDATE {_orders} SET state = 2, ready_at = @now, next_callback_at = @now WHERE order_id = @o AND state IN (0, 1)",
            cancellationToken, ("@o", orderId), ("@now", _time.GetUtcNow().ToUnixTimeMilliseconds())) == 1;
        if (marked)
        {
            CallbackReady?.Invoke();
        }
        return marked;
    }

    /// <summary>Moves time forward for every restaurant: free cooks take the oldest queued orders, finished dishes become ready.</summary>
    public async Task AdvanceAsync(CancellationToken cancellationToken = default)
    {
        var nowMs = _time.GetUtcNow().ToUnixTimeMilliseconds();
        await using var connection = await _db.OpenAsync(cancellationToken);
        foreach (var restaurant in Catalog.All)
        {
            await using var tx = await DomainDatabase.BeginWriteAsync(connection, cancellationToken);
            if (_db.IsPostgres && await _db.ScalarAsync(connection, "SELECT pg_try_advisory_xact_lock(hashtext(@key))", tx, cancellationToken,
                ("@key", "pos-kitchen:" + restaurant.Id)) is not true)
            {
                continue;   // another host is advancing this restaurant right now
            }
            await _db.ExecuteAsync(connection, $"UPDATE {_orders} SET state = 2, next_callback_at = @now WHERE restaurant_id = @r AND state = 1 AND ready_at <= @now", tx,
                cancellationToken, ("@now", nowMs), ("@r", restaurant.Id));
            var busy = (await _db.QueryAsync(connection, $"SELECT cook FROM {_orders} WHERE restaurant_id = @r AND state = 1", tx, r => r.GetInt32(0), cancellationToken,
                ("@r", restaurant.Id))).ToHashSet();
            var free = Enumerable.Range(0, restaurant.Cooks).Where(c => !busy.Contains(c)).ToList();
            if (free.Count > 0)
            {
                var queued = await _db.QueryAsync(connection, $"SELECT order_id, products FROM {_orders} WHERE restaurant_id = @r AND state = 0 ORDER BY accepted_at, order_id LIMIT @n", tx,
                    r => (OrderId: r.GetString(0), Products: r.GetString(1)), cancellationToken, ("@r", restaurant.Id), ("@n", free.Count));
                foreach (var (order, cook) in queued.Zip(free))
                {
                    var seconds = PrepSeconds(restaurant, JsonSerializer.Deserialize<List<OrderProduct>>(order.Products, DurableJson.Options)!) * _prepTimeFactor;
                    await _db.ExecuteAsync(connection, $"UPDATE {_orders} SET state = 1, cook = @c, cook_started_at = @now, ready_at = @ready WHERE order_id = @o", tx,
                        cancellationToken, ("@c", cook), ("@now", nowMs), ("@ready", nowMs + (long)(seconds * 1000)), ("@o", order.OrderId));
                }
            }
            await tx.CommitAsync(cancellationToken);
        }
    }

    /// <summary>
    /// Claims up to <paramref name="max"/> ready orders whose callback is due (first try or retry) for
    /// <paramref name="lease"/> (in the kitchen's time): no other host makes them meanwhile, and they are due
    /// again if this one dies before it reports the outcome.
    /// </summary>
    public async Task<IReadOnlyList<CallbackDue>> ClaimCallbacksDueAsync(int max, TimeSpan lease, CancellationToken cancellationToken = default)
    {
        var now = _time.GetUtcNow();
        await using var connection = await _db.OpenAsync(cancellationToken);
        return await _db.QueryAsync(connection, $"""
            UPDATE {_orders} SET next_callback_at = @lease WHERE order_id IN
              (SELECT order_id FROM {_orders} WHERE state = 2 AND next_callback_at <= @now ORDER BY next_callback_at LIMIT @max{(_db.IsPostgres ? " FOR UPDATE SKIP LOCKED" : "")})
            RETURNING order_id, restaurant_id, callback_url, callback_attempts
            """, null, r => new CallbackDue(r.GetString(0), r.GetString(1), r.GetString(2), r.GetInt32(3)), cancellationToken,
            ("@now", now.ToUnixTimeMilliseconds()), ("@lease", (now + lease).ToUnixTimeMilliseconds()), ("@max", max));
    }

    public async Task CallbackSucceededAsync(string orderId, CancellationToken cancellationToken = default)
    {
        await using var connection = await _db.OpenAsync(cancellationToken);
        await _db.ExecuteAsync(connection, $"UPDATE {_orders} SET state = 3, callback_attempts = callback_attempts + 1, last_callback_error = NULL WHERE order_id = @o AND state = 2",
            cancellationToken, ("@o", orderId));
    }

    public async Task CallbackFailedAsync(string orderId, string error, TimeSpan retryIn, CancellationToken cancellationToken = default)
    {
        await using var connection = await _db.OpenAsync(cancellationToken);
        await _db.ExecuteAsync(connection, $"UPDATE {_orders} SET callback_attempts = callback_attempts + 1, last_callback_error = @e, next_callback_at = @next WHERE order_id = @o AND state = 2",
            cancellationToken, ("@o", orderId), ("@e", error), ("@next", (_time.GetUtcNow() + retryIn).ToUnixTimeMilliseconds()));
    }

    /// <summary>A restaurant's open orders (queued, cooking, ready) and the last finished ones, for the kitchen display.</summary>
    public async Task<IReadOnlyList<KitchenOrder>> OrdersAsync(string restaurantId, int recentDone = 20, CancellationToken cancellationToken = default)
    {
        await using var connection = await _db.OpenAsync(cancellationToken);
        return await _db.QueryAsync(connection, $"""
            SELECT order_id, restaurant_id, products, state, accepted_at, cook, cook_started_at, ready_at, callback_url, callback_attempts, last_callback_error
            FROM {_orders} WHERE restaurant_id = @r AND (state IN (0, 1, 2) OR order_id IN
              (SELECT order_id FROM {_orders} WHERE restaurant_id = @r AND state IN (3, 4) ORDER BY accepted_at DESC LIMIT @n))
            ORDER BY accepted_at
            """, null, r => new KitchenOrder(r.GetString(0), r.GetString(1),
                JsonSerializer.Deserialize<List<OrderProduct>>(r.GetString(2), DurableJson.Options)!, (KitchenOrderState)r.GetInt32(3),
                DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(4)), r.IsDBNull(5) ? null : r.GetInt32(5),
                r.IsDBNull(6) ? null : DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(6)),
                r.IsDBNull(7) ? null : DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(7)),
                r.GetString(8), r.GetInt32(9), r.IsDBNull(10) ? null : r.GetString(10)), cancellationToken, ("@r", restaurantId), ("@n", recentDone));
    }

    public static double PrepSeconds(Restaurant restaurant, IEnumerable<OrderProduct> products) =>
        Math.Max(1, products.Sum(p => (restaurant.FindProduct(p.ProductId)?.PrepSeconds ?? 5) * Math.Max(1, p.Quantity)));

    public void Dispose() => _db.Dispose();
}
