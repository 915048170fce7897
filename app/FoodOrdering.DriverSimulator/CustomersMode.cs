using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text.Json;
using FoodOrdering.Domain.Geo;

namespace FoodOrdering.DriverSimulator;

public sealed record CustomersSettings(Uri App, double PerMinute, int? Count, long DeliveryDelayMs, int Seed);

internal sealed record MenuItem(string ProductId, string Name, string Category, decimal Price);

internal sealed record RestaurantInfo(string Id, string Name, string RegionId, GeoPoint Location, IReadOnlyList<MenuItem> Menu);

internal sealed record OrderProbe(string Id, OrderStatusProbe? Status);

internal sealed record OrderStatusProbe(string State, string? Reason);

/// <summary>Customers placing orders through the shop's API at a steady rate (or a fixed count), and what became of them.</summary>
internal static class CustomersMode
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private static readonly string[] Terminal = ["DELIVERED", "REJECTED", "CANCELLED"];

    public static async Task<int> RunAsync(CustomersSettings settings, CancellationToken cancellationToken)
    {
        if (settings.PerMinute is <= 0 or > 60_000 || settings.Count is < 1 || settings.DeliveryDelayMs < 0)
        {
            await Console.Error.WriteLineAsync("--rate must be above 0 and at most 60000 per minute, --count at least 1, --delay not negative.");
            return 2;
        }
        using var http = new HttpClient { BaseAddress = settings.App, Timeout = TimeSpan.FromSeconds(10) };
        List<RestaurantInfo> restaurants;
        try
        {
            restaurants = await http.GetFromJsonAsync<List<RestaurantInfo>>("api/restaurants", Json, cancellationToken) ?? [];
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            await Console.Error.WriteLineAsync($"The host at {settings.App} does not answer: {ex.Message}");
            return 1;
        }
        var random = new Random(settings.Seed);
        var open = new ConcurrentDictionary<string, byte>();
        var outcomes = new ConcurrentDictionary<string, int>();
        var placed = 0;
        var interval = TimeSpan.FromMinutes(1 / settings.PerMinute);
        using var following = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var follow = FollowAsync(http, open, outcomes, following.Token);
        DriversMode.Log($"Placing {(settings.Count is { } n ? $"{n} orders" : "orders")} at {settings.PerMinute:0.#}/min against {settings.App}. Ctrl+C stops.");
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
                        open[accepted.Id] = 0;
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
                await Task.Delay(interval, cancellationToken);
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
        await following.CancelAsync();
        await follow.ContinueWith(_ => { }, TaskScheduler.Default);
        DriversMode.Log($"Placed {placed}; outcomes: {Summary(outcomes)}; still open: {open.Count}");
        return 0;
    }

    private static async Task FollowAsync(HttpClient http, ConcurrentDictionary<string, byte> open, ConcurrentDictionary<string, int> outcomes, CancellationToken cancellationToken)
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
                    if (response.IsSuccessStatusCode && await response.Content.ReadFromJsonAsync<OrderProbe>(Json, cancellationToken) is { Status: { } status }
                        && Terminal.Contains(status.State) && open.TryRemove(id, out _))
                    {
                        outcomes.AddOrUpdate(status.State, 1, (_, n) => n + 1);
                    }
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or JsonException && !cancellationToken.IsCancellationRequested)
                {
                    // The host is away; the next round asks again.
                }
            }
            if (DateTime.UtcNow - lastReport > TimeSpan.FromSeconds(10))
            {
                lastReport = DateTime.UtcNow;
                DriversMode.Log($"Outcomes: {Summary(outcomes)}; open: {open.Count}");
            }
        }
    }

    private static string Summary(ConcurrentDictionary<string, int> outcomes) =>
        outcomes.IsEmpty ? "none yet" : string.Join(", ", outcomes.OrderBy(o => o.Key, StringComparer.Ordinal).Select(o => $"{o.Key} {o.Value}"));
}
