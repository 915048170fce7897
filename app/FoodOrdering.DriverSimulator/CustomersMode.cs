using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text.Json;
using FoodOrdering.Domain.Geo;

namespace FoodOrdering.DriverSimulator;

public sealed record CustomersSettings(Uri App, double PerMinute, int? Count, long DeliveryDelayMs, int Seed, bool DailyCurve, double? TimeScale);

/// <summary>
/// How busy an hour of the day is, relative to the average: quiet nights, a lunch peak and a bigger dinner peak.
/// The rate given is the day's average, so a day still brings 24 × 60 × rate orders.
/// </summary>
public static class DailyCurve
{
    private static readonly double[] Weights =
    [
        0.15, 0.1, 0.05, 0.05, 0.05, 0.1, 0.25, 0.5, 0.6, 0.6, 0.8, 1.6,
        2.4, 1.8, 0.9, 0.7, 0.8, 1.4, 2.6, 3.0, 2.2, 1.3, 0.6, 0.3,
    ];

    private static readonly double Mean = Weights.Average();

    public static double Factor(DateTimeOffset time)
    {
        var hour = time.Hour + time.Minute / 60.0;
        var index = (int)Math.Floor(hour) % 24;
        var next = (index + 1) % 24;
        var between = hour - Math.Floor(hour);
        return (Weights[index] * (1 - between) + Weights[next] * between) / Mean;
    }
}

internal sealed record MenuItem(string ProductId, string Name, string Category, decimal Price);

internal sealed record RestaurantInfo(string Id, string Name, string RegionId, GeoPoint Location, IReadOnlyList<MenuItem> Menu);

internal sealed record OrderProbe(string Id, OrderStatusProbe? Status);

internal sealed record OrderStatusProbe(string State, string? Reason);

/// <summary>Customers placing orders through the shop's API at a steady rate (or a fixed count), and what became of them.</summary>
internal static class CustomersMode
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private const string Placed = "PLACED";
    private static readonly string[] Terminal = ["DELIVERED", "REJECTED", "CANCELLED"];

    public static async Task<int> RunAsync(CustomersSettings settings, CancellationToken cancellationToken)
    {
        if (settings.PerMinute is <= 0 or > 60_000 || settings.Count is < 1 || settings.DeliveryDelayMs < 0)
        {
            await Console.Error.WriteLineAsync("--rate must be above 0 and at most 60000 per minute, --count at least 1, --delay not negative.");
            return 2;
        }
        using var http = new HttpClient { BaseAddress = settings.App, Timeout = TimeSpan.FromSeconds(10) };
        var restaurants = await HostWaiting.UntilAnsweredAsync(settings.App,
            async ct => await http.GetFromJsonAsync<List<RestaurantInfo>>("api/restaurants", Json, ct) ?? [], cancellationToken);
        if (restaurants is null)
        {
            // Ctrl+C before the host ever answered: nothing was placed.
            return 0;
        }
        var random = new Random(settings.Seed);
        // Every order placed here, with the last status seen (PLACED until the host has started it).
        var open = new ConcurrentDictionary<string, string>();
        var outcomes = new ConcurrentDictionary<string, int>();
        var placed = 0;
        var scale = settings.TimeScale ?? await HostTimeScaleAsync(http, cancellationToken);
        var simulatedStart = DateTimeOffset.Now;
        var realStart = DateTimeOffset.UtcNow;
        using var following = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var follow = FollowAsync(http, open, outcomes, following.Token);
        var live = SimulatorConsole.Current.RunLiveAsync(following.Token);
        DriversMode.Log($"Placing {(settings.Count is { } n ? $"{n} orders" : "orders")} at {settings.PerMinute:0.#}/min{(settings.DailyCurve ? " on average over a day" : "")} " +
            $"against {settings.App} (time x{scale:0.###}). Ctrl+C stops.");
        try
        {
            while (settings.Count is not { } count || placed < count)
            {
                var restaurant = restaurants[random.Next(restaurants.Count)];
                var basket = Enumerable.Range(0, random.Next(1, 4)).Select(_ => restaurant.Menu[random.Next(restaurant.Menu.Count)])
                    .GroupBy(p => p.ProductId).Select(g => new { productId = g.Key, description = g.First().Name, quantity = g.Count() }).ToList();
                var total = basket.Sum(b => restaurant.Menu.First(m => m.ProductId == b.productId).Price * b.quantity);
                try
                {
                    using var response = await http.PostAsJsonAsync("api/orders",
                        new { restaurantId = restaurant.Id, products = basket, totalCost = total, deliveryDelay = settings.DeliveryDelayMs }, Json, cancellationToken);
                    if (response.IsSuccessStatusCode && await response.Content.ReadFromJsonAsync<OrderProbe>(Json, cancellationToken) is { } accepted)
                    {
                        open[accepted.Id] = Placed;
                        placed++;
                    }
                    else
                    {
                        DriversMode.Log($"Order refused: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancellationToken)}");
                    }
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
                {
                    DriversMode.Log($"Could not place an order: {ex.Message}; retrying");
                }
                // The rate is per simulated minute; on the daily curve it follows the simulated time of day.
                var now = simulatedStart + (DateTimeOffset.UtcNow - realStart) * scale;
                var perMinute = settings.PerMinute * (settings.DailyCurve ? DailyCurve.Factor(now) : 1);
                await Task.Delay(TimeSpan.FromMinutes(1 / Math.Max(perMinute, 0.01)) / scale, cancellationToken);
            }
            while (!open.IsEmpty)
            {
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Ctrl+C: report what is known.
        }
        DriversMode.Log($"Placed {placed}; outcomes: {Summary(outcomes)}; still open: {open.Count}");
        ShowOrders(open, outcomes);
        await following.CancelAsync();
        await follow.ContinueWith(_ => { }, TaskScheduler.Default);
        await live;
        return 0;
    }

    private static async Task<double> HostTimeScaleAsync(HttpClient http, CancellationToken cancellationToken)
    {
        try
        {
            using var info = await http.GetFromJsonAsync<JsonDocument>("api/info", Json, cancellationToken);
            return info!.RootElement.TryGetProperty("timeScale", out var t) && t.TryGetDouble(out var scale) ? scale : 1;
        }
        catch (Exception ex) when (ex is HttpRequestException or JsonException)
        {
            return 1;
        }
    }

    private static void ShowOrders(ConcurrentDictionary<string, string> open, ConcurrentDictionary<string, int> outcomes) =>
        SimulatorConsole.Current.UpdateOrders(open.Values.GroupBy(s => s, StringComparer.Ordinal).Select(g => KeyValuePair.Create(g.Key, g.Count()))
            .Concat(outcomes).GroupBy(p => p.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Sum(p => p.Value), StringComparer.Ordinal));

    private static async Task FollowAsync(HttpClient http, ConcurrentDictionary<string, string> open, ConcurrentDictionary<string, int> outcomes, CancellationToken cancellationToken)
    {
        var lastReport = DateTime.UtcNow;
        while (!cancellationToken.IsCancellationRequested)
        {
            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
            foreach (var id in open.Keys)
            {
                try
                {
                    using var response = await http.GetAsync($"api/orders/{id}", cancellationToken);
                    if (response.IsSuccessStatusCode && await response.Content.ReadFromJsonAsync<OrderProbe>(Json, cancellationToken) is { Status: { } status })
                    {
                        if (!Terminal.Contains(status.State))
                        {
                            open[id] = status.State;
                        }
                        else if (open.TryRemove(id, out _))
                        {
                            outcomes.AddOrUpdate(status.State, 1, (_, n) => n + 1);
                        }
                    }
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or JsonException && !cancellationToken.IsCancellationRequested)
                {
                    // The host is away; the next round asks again.
                }
            }
            ShowOrders(open, outcomes);
            if (!SimulatorConsole.Current.IsLive && DateTime.UtcNow - lastReport > TimeSpan.FromSeconds(10))
            {
                lastReport = DateTime.UtcNow;
                DriversMode.Log($"Outcomes: {Summary(outcomes)}; open: {open.Count}");
            }
        }
    }

    private static string Summary(ConcurrentDictionary<string, int> outcomes) =>
        outcomes.IsEmpty ? "none yet" : string.Join(", ", outcomes.OrderBy(o => o.Key, StringComparer.Ordinal).Select(o => $"{o.Key} {o.Value}"));
}
