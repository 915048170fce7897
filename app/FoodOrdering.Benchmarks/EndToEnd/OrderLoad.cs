using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Json;
using FoodOrdering.Domain.Orders;
using FoodOrdering.Domain.Restaurants;
using FoodOrdering.Host.Food;
using FoodOrdering.Testing;

namespace FoodOrdering.Benchmarks.EndToEnd;

/// <summary>One sample of how far behind the system is: the intake's Kafka lag and the orders sent but not yet ended.</summary>
internal sealed record LagSample(double Second, long KafkaLag, int NotEnded);

/// <summary>What a load run saw of one order.</summary>
internal sealed class TrackedOrder(string id, Restaurant restaurant)
{
    public string Id { get; } = id;
    public Restaurant Restaurant { get; } = restaurant;
    public long SentAt { get; set; }
    public DateTimeOffset SentWall { get; set; }
    public long AnsweredAt { get; set; }
    public string? PostError { get; set; }
    public long EndedAt { get; set; }
    public OrderState? End { get; set; }

    /// <summary>The order's recorded status changes (host clock) as the live stream showed them at DELIVERED.</summary>
    public IReadOnlyList<StatusChange> History { get; set; } = [];

    /// <summary>Sent → DELIVERED (ms) as the live stream showed it, else from the order's recorded history (host clock, same machine).</summary>
    public double? DeliveredAfterMs { get; set; }
}

/// <summary>
/// Open-loop load: POST /api/orders on a fixed schedule (each send on its own, never waiting for an answer before the
/// next), orders spread over the restaurants of the catalog; their ends are learnt from the live stream.
/// </summary>
internal sealed class OrderLoad(HttpClient http, string prefix)
{
    private static readonly HashSet<OrderState> Ends = [OrderState.Delivered, OrderState.Rejected, OrderState.Cancelled];
    private readonly ConcurrentDictionary<string, TrackedOrder> _orders = new(StringComparer.Ordinal);
    private readonly List<Task> _posts = [];
    private int _sent;
    private int _ended;

    public IReadOnlyCollection<TrackedOrder> Orders => [.. _orders.Values];

    public int Sent => Volatile.Read(ref _sent);

    public int NotEnded => Sent - Volatile.Read(ref _ended);

    /// <summary>The most the sender fell behind its schedule (ms).</summary>
    public double MaxSendLagMs { get; private set; }

    /// <summary>An order's change from the live stream.</summary>
    public void OnChange(OrderView view)
    {
        if (view.Status is { } status && Ends.Contains(status.State) && _orders.TryGetValue(view.Id, out var order) && order.End is null)
        {
            order.EndedAt = Stopwatch.GetTimestamp();
            order.End = status.State;
            if (status.State == OrderState.Delivered)
            {
                order.History = status.History;
                order.DeliveredAfterMs = Stopwatch.GetElapsedTime(order.SentAt, order.EndedAt).TotalMilliseconds;
            }
            Interlocked.Increment(ref _ended);
        }
    }

    /// <summary>Sends <paramref name="rate"/> orders per second for <paramref name="duration"/>, then waits for every answer.</summary>
    public async Task SendAsync(double rate, TimeSpan duration, CancellationToken cancellationToken)
    {
        var count = (int)Math.Round(rate * duration.TotalSeconds);
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < count; i++)
        {
            var due = TimeSpan.FromSeconds(i / rate);
            var ahead = due - clock.Elapsed;
            if (ahead > TimeSpan.FromMilliseconds(1))
            {
                await Task.Delay(ahead, cancellationToken);
            }
            MaxSendLagMs = Math.Max(MaxSendLagMs, (clock.Elapsed - due).TotalMilliseconds);
            var restaurant = Catalog.All[i % Catalog.All.Count];
            var order = new TrackedOrder($"{prefix}-{i}", restaurant);
            _orders[order.Id] = order;
            _posts.Add(PostAsync(order, cancellationToken));
        }
        await Task.WhenAll(_posts);
    }

    /// <summary>Waits until every order has ended, or <paramref name="limit"/> has passed.</summary>
    public async Task<bool> WaitForEndsAsync(TimeSpan limit, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        while (NotEnded > 0 && deadline.Elapsed < limit)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(50), cancellationToken);
        }
        return NotEnded == 0;
    }

    /// <summary>
    /// Orders the stream did not show ending (a slow subscriber loses its oldest changes): their status and recorded
    /// history, from GET /api/orders/{id}. Returns how many were completed this way.
    /// </summary>
    public async Task<int> CompleteFromStatusAsync(CancellationToken cancellationToken)
    {
        var completed = 0;
        foreach (var order in _orders.Values.Where(o => o.End is null && o.PostError is null))
        {
            var view = await http.GetFromJsonAsync<OrderView>($"api/orders/{order.Id}", FoodOrderingSystem.Json, cancellationToken);
            if (view?.Status is { } status && Ends.Contains(status.State))
            {
                order.End = status.State;
                if (status.History.LastOrDefault(h => h.State == OrderState.Delivered) is { } delivered)
                {
                    order.DeliveredAfterMs = (delivered.At - order.SentWall).TotalMilliseconds;
                }
                completed++;
            }
        }
        return completed;
    }

    /// <summary>
    /// Where the time of delivered orders went: the median gap from the send to the first recorded status, then
    /// between consecutive statuses (the workflow's clock at each step, the host's clock: the same machine's), and from
    /// the recorded DELIVERED to its sight on the live stream.
    /// </summary>
    public string StageMedians()
    {
        var gaps = new Dictionary<string, List<double>>(StringComparer.Ordinal);
        foreach (var order in _orders.Values.Where(o => o.History.Count > 0))
        {
            var (previous, at) = ("sent", order.SentWall);
            foreach (var change in order.History.Where(h => h.State != OrderState.New))
            {
                var stage = $"{previous}→{OrdersNames.Of(change.State)}";
                (gaps.TryGetValue(stage, out var list) ? list : gaps[stage] = []).Add((change.At - at).TotalMilliseconds);
                (previous, at) = (OrdersNames.Of(change.State), change.At);
            }
            if (order.DeliveredAfterMs is { } after && order.EndedAt != 0)
            {
                // The live stream's share: from the recorded DELIVERED to the moment this client saw it.
                (gaps.TryGetValue("DELIVERED→seen", out var seen) ? seen : gaps["DELIVERED→seen"] = []).Add((order.SentWall.AddMilliseconds(after) - at).TotalMilliseconds);
            }
        }
        return string.Join(", ", gaps.Select(g => $"{g.Key} {Infrastructure.Statistics.Median(g.Value):N1} ms"));
    }

    private async Task PostAsync(TrackedOrder order, CancellationToken cancellationToken)
    {
        var body = new PlaceOrder
        {
            Id = order.Id,
            RestaurantId = order.Restaurant.Id,
            Products = [new OrderProduct(order.Restaurant.Menu[0].ProductId, order.Restaurant.Menu[0].Name, 1)],
            TotalCost = order.Restaurant.Menu[0].Price,
            DeliveryDelay = 0,
        };
        order.SentWall = DateTimeOffset.UtcNow;
        order.SentAt = Stopwatch.GetTimestamp();
        Interlocked.Increment(ref _sent);
        try
        {
            using var response = await http.PostAsJsonAsync("api/orders", body, FoodOrderingSystem.Json, cancellationToken);
            order.AnsweredAt = Stopwatch.GetTimestamp();
            if (!response.IsSuccessStatusCode)
            {
                order.PostError = $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken)}";
            }
        }
        catch (HttpRequestException ex)
        {
            order.PostError = ex.Message;
        }
        if (order.PostError is not null)
        {
            // Never accepted, so it will never end.
            Interlocked.Increment(ref _ended);
        }
    }
}

/// <summary>The status names of the API (CREATED, IN_PREPARATION, ...).</summary>
internal static class OrdersNames
{
    public static string Of(OrderState state) => System.Text.Json.JsonSerializer.Serialize(state).Trim('"');
}
