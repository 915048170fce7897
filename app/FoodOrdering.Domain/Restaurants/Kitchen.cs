using System.Text.Json;
using Durable;
using FoodOrdering.Domain.Orders;
using Microsoft.Data.Sqlite;

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
/// order takes the sum of its items' preparation times. Its work is in its own SQLite file, so a
/// restart loses nothing: orders keep cooking and callbacks are retried until the app answers.
/// </summary>
public sealed class Kitchen : IDisposable
{
    private readonly SqliteConnection _connection;
    private readonly TimeProvider _time;
    private readonly object _gate = new();
    private SqliteTransaction? _transaction;

    public Kitchen(string path, TimeProvider time)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        _time = time;
        _connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        _connection.Open();
        Execute("""
            PRAGMA journal_mode=WAL;
            CREATE TABLE IF NOT EXISTS kitchen_orders (
              order_id TEXT PRIMARY KEY, restaurant_id TEXT NOT NULL, products TEXT NOT NULL, state INTEGER NOT NULL,
              accepted_at INTEGER NOT NULL, cook INTEGER, cook_started_at INTEGER, ready_at INTEGER,
              callback_url TEXT NOT NULL, callback_attempts INTEGER NOT NULL DEFAULT 0, next_callback_at INTEGER, last_callback_error TEXT);
            CREATE INDEX IF NOT EXISTS ix_kitchen_state ON kitchen_orders (state, restaurant_id, accepted_at);
            """);
    }

    /// <summary>Accepts an order into the restaurant's queue; accepting the same order again changes nothing.</summary>
    public PrepareAccepted Accept(PrepareRequest request)
    {
        var restaurant = Catalog.Find(request.RestaurantId) ?? throw new ArgumentException($"Unknown restaurant '{request.RestaurantId}'.");
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            Execute("""
                INSERT INTO kitchen_orders (order_id, restaurant_id, products, state, accepted_at, callback_url)
                VALUES ($o, $r, $p, 0, $now, $cb) ON CONFLICT (order_id) DO NOTHING
                """, ("$o", request.OrderId), ("$r", request.RestaurantId), ("$p", JsonSerializer.Serialize(request.Products, DurableJson.Options)),
                ("$now", now.ToUnixTimeMilliseconds()), ("$cb", request.CallbackUrl));
            var ahead = Convert.ToInt32(Scalar("""
                SELECT COUNT(*) FROM kitchen_orders WHERE restaurant_id = $r AND state IN (0, 1)
                  AND accepted_at <= (SELECT accepted_at FROM kitchen_orders WHERE order_id = $o)
                """, ("$r", request.RestaurantId), ("$o", request.OrderId)), System.Globalization.CultureInfo.InvariantCulture);
            var eta = now + TimeSpan.FromSeconds(PrepSeconds(restaurant, request.Products) * Math.Max(1.0, (double)ahead / restaurant.Cooks));
            return new PrepareAccepted(request.OrderId, ahead, eta);
        }
    }

    /// <summary>Stops an order that is not ready yet; false when it is unknown or already done.</summary>
    public bool Cancel(string orderId)
    {
        lock (_gate)
        {
            return Execute("UPDATE kitchen_orders SET state = 4 WHERE order_id = $o AND state IN (0, 1)", ("$o", orderId)) == 1;
        }
    }

    /// <summary>The kitchen display's "prepared" button: the order is ready now, whatever the cook was doing.</summary>
    public bool MarkReady(string orderId)
    {
        lock (_gate)
        {
            return Execute("UPDATE kitchen_orders SET state = 2, ready_at = $now, next_callback_at = $now WHERE order_id = $o AND state IN (0, 1)",
                ("$o", orderId), ("$now", _time.GetUtcNow().ToUnixTimeMilliseconds())) == 1;
        }
    }

    /// <summary>Moves time forward for every restaurant: free cooks take the oldest queued orders, finished dishes become ready.</summary>
    public void Advance()
    {
        lock (_gate)
        {
            var nowMs = _time.GetUtcNow().ToUnixTimeMilliseconds();
            using var tx = _transaction = _connection.BeginTransaction();
            try
            {
            Execute("UPDATE kitchen_orders SET state = 2, next_callback_at = $now WHERE state = 1 AND ready_at <= $now", ("$now", nowMs));
            foreach (var restaurant in Catalog.All)
            {
                var busy = new HashSet<int>();
                using (var cmd = Command("SELECT cook FROM kitchen_orders WHERE restaurant_id = $r AND state = 1", ("$r", restaurant.Id)))
                using (var reader = cmd.ExecuteReader())
                {
                    while (reader.Read())
                    {
                        busy.Add(reader.GetInt32(0));
                    }
                }
                for (var cook = 0; cook < restaurant.Cooks; cook++)
                {
                    if (busy.Contains(cook))
                    {
                        continue;
                    }
                    string? orderId = null;
                    string? products = null;
                    using (var cmd = Command("SELECT order_id, products FROM kitchen_orders WHERE restaurant_id = $r AND state = 0 ORDER BY accepted_at, order_id LIMIT 1", ("$r", restaurant.Id)))
                    using (var reader = cmd.ExecuteReader())
                    {
                        if (reader.Read())
                        {
                            orderId = reader.GetString(0);
                            products = reader.GetString(1);
                        }
                    }
                    if (orderId is null)
                    {
                        break;
                    }
                    var seconds = PrepSeconds(restaurant, JsonSerializer.Deserialize<List<OrderProduct>>(products!, DurableJson.Options)!);
                    Execute("UPDATE kitchen_orders SET state = 1, cook = $c, cook_started_at = $now, ready_at = $ready WHERE order_id = $o",
                        ("$c", cook), ("$now", nowMs), ("$ready", nowMs + (long)(seconds * 1000)), ("$o", orderId));
                }
            }
            tx.Commit();
            }
            finally
            {
                _transaction = null;
            }
        }
    }

    /// <summary>Ready orders whose callback is due (first try or retry).</summary>
    public IReadOnlyList<CallbackDue> CallbacksDue(int max)
    {
        lock (_gate)
        {
            using var cmd = Command("SELECT order_id, restaurant_id, callback_url, callback_attempts FROM kitchen_orders WHERE state = 2 AND next_callback_at <= $now ORDER BY next_callback_at LIMIT $max",
                ("$now", _time.GetUtcNow().ToUnixTimeMilliseconds()), ("$max", max));
            using var reader = cmd.ExecuteReader();
            var due = new List<CallbackDue>();
            while (reader.Read())
            {
                due.Add(new CallbackDue(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetInt32(3)));
            }
            return due;
        }
    }

    public void CallbackSucceeded(string orderId)
    {
        lock (_gate)
        {
            Execute("UPDATE kitchen_orders SET state = 3, callback_attempts = callback_attempts + 1, last_callback_error = NULL WHERE order_id = $o AND state = 2", ("$o", orderId));
        }
    }

    public void CallbackFailed(string orderId, string error, TimeSpan retryIn)
    {
        lock (_gate)
        {
            Execute("UPDATE kitchen_orders SET callback_attempts = callback_attempts + 1, last_callback_error = $e, next_callback_at = $next WHERE order_id = $o AND state = 2",
                ("$o", orderId), ("$e", error), ("$next", (_time.GetUtcNow() + retryIn).ToUnixTimeMilliseconds()));
        }
    }

    /// <summary>A restaurant's open orders (queued, cooking, ready) and the last finished ones, for the kitchen display.</summary>
    public IReadOnlyList<KitchenOrder> Orders(string restaurantId, int recentDone = 20)
    {
        lock (_gate)
        {
            using var cmd = Command("""
                SELECT order_id, restaurant_id, products, state, accepted_at, cook, cook_started_at, ready_at, callback_url, callback_attempts, last_callback_error
                FROM kitchen_orders WHERE restaurant_id = $r AND (state IN (0, 1, 2) OR order_id IN
                  (SELECT order_id FROM kitchen_orders WHERE restaurant_id = $r AND state IN (3, 4) ORDER BY accepted_at DESC LIMIT $n))
                ORDER BY accepted_at
                """, ("$r", restaurantId), ("$n", recentDone));
            using var reader = cmd.ExecuteReader();
            var orders = new List<KitchenOrder>();
            while (reader.Read())
            {
                orders.Add(new KitchenOrder(reader.GetString(0), reader.GetString(1),
                    JsonSerializer.Deserialize<List<OrderProduct>>(reader.GetString(2), DurableJson.Options)!, (KitchenOrderState)reader.GetInt32(3),
                    DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(4)), reader.IsDBNull(5) ? null : reader.GetInt32(5),
                    reader.IsDBNull(6) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(6)),
                    reader.IsDBNull(7) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(7)),
                    reader.GetString(8), reader.GetInt32(9), reader.IsDBNull(10) ? null : reader.GetString(10)));
            }
            return orders;
        }
    }

    public static double PrepSeconds(Restaurant restaurant, IEnumerable<OrderProduct> products) =>
        Math.Max(1, products.Sum(p => (restaurant.FindProduct(p.ProductId)?.PrepSeconds ?? 5) * Math.Max(1, p.Quantity)));

    private SqliteCommand Command(string sql, params (string Name, object? Value)[] parameters)
    {
        var cmd = _connection.CreateCommand();
        cmd.CommandText = sql;
        cmd.Transaction = _transaction;
        foreach (var (name, value) in parameters)
        {
            cmd.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }
        return cmd;
    }

    private int Execute(string sql, params (string Name, object? Value)[] parameters)
    {
        using var cmd = Command(sql, parameters);
        return cmd.ExecuteNonQuery();
    }

    private object? Scalar(string sql, params (string Name, object? Value)[] parameters)
    {
        using var cmd = Command(sql, parameters);
        return cmd.ExecuteScalar();
    }

    public void Dispose() => _connection.Dispose();
}
