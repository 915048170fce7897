using System.Net.Http.Json;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Serialization;
using FoodOrdering.Host.Api;
using FoodOrdering.Host.Food;

namespace FoodOrdering.Tests;

/// <summary>Calls the host the way a client would, with the host's own JSON conventions.</summary>
internal static class Api
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };

    public static string NewId(string prefix) => $"{prefix}-{Guid.NewGuid():N}";

    public static async Task<OrderAccepted> PlaceOrderAsync(this HttpClient client, string id, long deliveryDelayMs, string restaurantId = "bites_n_bytes")
    {
        using var response = await client.PostAsJsonAsync("/api/orders", new
        {
            id, restaurantId, products = new[] { new { productId = "1000", description = "Pepperoni pizza", quantity = 1 } }, totalCost = 10.90m, deliveryDelay = deliveryDelayMs,
        });
        Assert.Equal(System.Net.HttpStatusCode.Accepted, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<OrderAccepted>(Json))!;
    }

    public static async Task<WorkflowDetailsDto> DescribeAsync(this HttpClient client, string id, CancellationToken cancellationToken = default) =>
        (await client.GetFromJsonAsync<WorkflowDetailsDto>($"/api/workflows/{id}", Json, cancellationToken))!;

    public static async Task<HistoryEventDto[]> GetHistoryAsync(this HttpClient client, string id) =>
        (await client.GetFromJsonAsync<HistoryEventDto[]>($"/api/workflows/{id}/history", Json))!;

    /// <summary>The "state" property of an order's custom status, or null.</summary>
    public static string? OrderState(this WorkflowDetailsDto workflow) =>
        workflow.CustomStatus is { ValueKind: JsonValueKind.Object } status && status.TryGetProperty("state", out var value) ? value.GetString() : null;

    public static Task<WorkflowDetailsDto> DescribeUntilAsync(
        this HttpClient client, string id, Func<WorkflowDetailsDto, bool> condition,
        [CallerArgumentExpression(nameof(condition))] string? conditionText = null) =>
        PollAsync(ct => client.DescribeAsync(id, ct), condition, $"workflow '{id}' to reach {conditionText}");

    public static Task<HistoryEventDto[]> GetHistoryUntilAsync(
        this HttpClient client, string id, Func<HistoryEventDto[], bool> condition,
        [CallerArgumentExpression(nameof(condition))] string? conditionText = null) =>
        PollAsync(ct => client.GetFromJsonAsync<HistoryEventDto[]>($"/api/workflows/{id}/history", Json, ct)!, condition,
            $"the history of '{id}' to satisfy {conditionText}")!;

    /// <summary>
    /// Asks again until <paramref name="condition"/> holds, failing with the last answer when the deadline passes.
    /// The pause between asks only spaces them out; correctness rests on the deadline alone.
    /// </summary>
    public static async Task<T> PollAsync<T>(Func<CancellationToken, Task<T>> probe, Func<T, bool> condition, string waitingFor)
    {
        var limit = TimeSpan.FromSeconds(30);
        using var deadline = new CancellationTokenSource(limit);
        var pause = TimeSpan.FromMilliseconds(10);
        T? last = default;
        try
        {
            while (true)
            {
                last = await probe(deadline.Token);
                if (condition(last))
                {
                    return last;
                }
                await Task.Delay(pause, deadline.Token);
                pause = TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, TimeSpan.FromMilliseconds(250).Ticks));
            }
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            throw new TimeoutException($"Waited {limit} for {waitingFor}; last seen: {JsonSerializer.Serialize(last, Json)}");
        }
    }
}
