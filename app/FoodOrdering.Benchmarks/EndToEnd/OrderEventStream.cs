using System.Text.Json;
using FoodOrdering.Host.Food;
using FoodOrdering.Testing;

namespace FoodOrdering.Benchmarks.EndToEnd;

/// <summary>The live stream of every order's status changes (GET /api/orders/events, Server-Sent Events), handed on as each arrives.</summary>
internal static class OrderEventStream
{
    /// <summary>Reads until <paramref name="cancellationToken"/> fires; <paramref name="opened"/> completes once the host has subscribed the stream.</summary>
    public static async Task ReadAsync(HttpClient http, Action<OrderView> onChange, TaskCompletionSource opened, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await http.GetAsync("api/orders/events", HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            response.EnsureSuccessStatusCode();
            // The host subscribes before it answers, so no change after this point is missed.
            opened.TrySetResult();
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken));
            while (await reader.ReadLineAsync(cancellationToken) is { } line)
            {
                if (line.StartsWith("data: ", StringComparison.Ordinal))
                {
                    onChange(JsonSerializer.Deserialize<OrderView>(line.AsSpan("data: ".Length), FoodOrderingSystem.Json)!);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The run is over.
        }
        catch (Exception ex)
        {
            opened.TrySetException(ex);
            throw;
        }
    }
}
