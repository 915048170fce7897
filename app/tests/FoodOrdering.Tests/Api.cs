using System.Net;
using System.Net.Http.Json;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Serialization;
using FoodOrdering.Domain.Delivery;
using FoodOrdering.Domain.Geo;
using FoodOrdering.Domain.Orders;
using FoodOrdering.Domain.Payments;
using FoodOrdering.Host.Api;
using FoodOrdering.Host.Food;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace FoodOrdering.Tests;

/// <summary>Calls the host the way a client would, with the host's own JSON conventions.</summary>
internal static class Api
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };

    /// <summary>Lemonade: the quickest dish of the San Jose restaurants (1 s), so orders reach the delivery soon.</summary>
    public const string Lemonade = "1007";

    /// <summary>Pepperoni pizza: 5 s per piece, so a few of them keep a cook busy for as long as a test needs.</summary>
    public const string Pizza = "1000";

    public static string NewId(string prefix) => $"{prefix}-{Guid.NewGuid():N}";

    public static async Task<OrderAccepted> PlaceOrderAsync(
        this HttpClient client, string id, long deliveryDelayMs, string restaurantId = "bites_n_bytes", string productId = Lemonade, int quantity = 1,
        GeoPoint? deliveryLocation = null)
    {
        using var response = await client.PostAsJsonAsync("/api/orders", new
        {
            id, restaurantId, products = new[] { new { productId, description = (string?)null, quantity } }, totalCost = 10.90m, deliveryDelay = deliveryDelayMs,
            deliveryLocation,
        }, Json);
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"POST /api/orders: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return (await response.Content.ReadFromJsonAsync<OrderAccepted>(Json))!;
    }

    /// <summary>The order, or null while intake has not started it yet (404).</summary>
    public static async Task<OrderView?> GetOrderAsync(this HttpClient client, string id, CancellationToken cancellationToken = default)
    {
        using var response = await client.GetAsync($"/api/orders/{id}", cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<OrderView>(Json, cancellationToken);
    }

    public static Task<OrderView> OrderUntilAsync(
        this HttpClient client, string id, Func<OrderView, bool> condition, [CallerArgumentExpression(nameof(condition))] string? conditionText = null) =>
        PollAsync(async ct => (await client.GetOrderAsync(id, ct))!, o => o is not null && condition(o), $"order '{id}' to reach {conditionText}");

    public static Task<OrderView> OrderInStateAsync(this HttpClient client, string id, OrderState state) =>
        client.OrderUntilAsync(id, o => o.Status?.State == state, $"state {state}");

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
        PollAsync(async ct =>
        {
            // Orders start through Kafka: until intake has started one, it is unknown.
            using var response = await client.GetAsync($"/api/workflows/{id}", ct);
            return response.StatusCode == HttpStatusCode.NotFound ? null! : (await response.Content.ReadFromJsonAsync<WorkflowDetailsDto>(Json, ct))!;
        }, w => w is not null && condition(w), $"workflow '{id}' to reach {conditionText}");

    public static Task<HistoryEventDto[]> GetHistoryUntilAsync(
        this HttpClient client, string id, Func<HistoryEventDto[], bool> condition,
        [CallerArgumentExpression(nameof(condition))] string? conditionText = null) =>
        PollAsync(ct => client.GetFromJsonAsync<HistoryEventDto[]>($"/api/workflows/{id}/history", Json, ct)!, condition,
            $"the history of '{id}' to satisfy {conditionText}")!;

    public static async Task<IReadOnlyList<LedgerEntry>> PaymentsAsync(this HttpClient client, string orderId) =>
        (await client.GetFromJsonAsync<List<LedgerEntry>>($"/api/payments/{orderId}", Json))!;

    public static async Task<ProblemDetails> ReadProblemAsync(this HttpResponseMessage response, HttpStatusCode expected)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"expected {(int)expected}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonSerializer.Deserialize<ProblemDetails>(body, Json)!;
        Assert.Equal((int)expected, problem.Status);
        return problem;
    }

    public static async Task<HttpValidationProblemDetails> ReadValidationProblemAsync(this HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"expected 400, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return JsonSerializer.Deserialize<HttpValidationProblemDetails>(body, Json)!;
    }

    // ---- drivers ----

    /// <summary>Starts a shift; returns the shift's token.</summary>
    public static async Task<string> StartShiftAsync(this HttpClient client, string driverId, string regionId, GeoPoint? at = null, double speed = 100)
    {
        using var response = await client.PostAsJsonAsync($"/api/drivers/{driverId}/shift",
            new { regionId, lat = at?.Lat, lon = at?.Lon, speedMetersPerSecond = speed }, Json);
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"start shift of {driverId}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return (await response.Content.ReadFromJsonAsync<ShiftView>(Json))!.Token;
    }

    /// <summary>The driver's twin, or null when unknown (404).</summary>
    public static async Task<DriverView?> GetDriverAsync(this HttpClient client, string driverId, CancellationToken cancellationToken = default)
    {
        using var response = await client.GetAsync($"/api/drivers/{driverId}", cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<DriverView>(Json, cancellationToken);
    }

    public static Task<DriverView> DriverUntilAsync(
        this HttpClient client, string driverId, Func<DriverView, bool> condition, [CallerArgumentExpression(nameof(condition))] string? conditionText = null) =>
        PollAsync(async ct => (await client.GetDriverAsync(driverId, ct))!, d => d is not null && condition(d), $"driver '{driverId}' to reach {conditionText}");

    public static Task<HttpResponseMessage> ReportAsync(this HttpClient client, string driverId, string what, string? deliveryId) =>
        client.PostAsJsonAsync($"/api/drivers/{driverId}/{what}", new { deliveryId }, Json);

    /// <summary>
    /// Plays the phone of whichever driver the matcher gave <paramref name="orderId"/> to: pickup, then delivery.
    /// Returns the driver's id.
    /// </summary>
    public static async Task<string> DeliverAsync(this HttpClient client, string orderId)
    {
        var order = await client.OrderUntilAsync(orderId, o => o.Status?.DriverId is not null);
        var driverId = order.Status!.DriverId!;
        var job = await PollAsync(async ct =>
        {
            using var response = await client.GetAsync($"/api/drivers/{driverId}/assignment", ct);
            return response.StatusCode == HttpStatusCode.OK ? await response.Content.ReadFromJsonAsync<DeliveryJob>(Json, ct) : null;
        }, j => j?.OrderId == orderId, $"driver {driverId} to hold the job of order {orderId}");
        foreach (var step in new[] { "pickup", "delivered" })
        {
            using var response = await client.ReportAsync(driverId, step, job!.DeliveryId);
            Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"{step} of {driverId}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            if (step == "pickup")
            {
                // The twin records the pickup asynchronously; "delivered" is refused until it has.
                await client.DriverUntilAsync(driverId, d => d.State.Job?.PickedUp == true);
            }
        }
        return driverId;
    }

    // ---- server-sent events ----

    /// <summary>Opens a server-sent event stream (headers read, body not yet).</summary>
    public static async Task<HttpResponseMessage> OpenEventStreamAsync(this HttpClient client, string path, CancellationToken cancellationToken)
    {
        var response = await client.GetAsync(path, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        return response;
    }

    /// <summary>The JSON of each <c>data:</c> line, with the <c>id:</c> that came before it (if any), until the stream ends.</summary>
    public static async IAsyncEnumerable<(string? Id, T Data)> ReadEventsAsync<T>(this HttpResponseMessage response, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken));
        await foreach (var item in reader.ReadEventsAsync<T>(cancellationToken))
        {
            yield return item;
        }
    }

    /// <summary>The same, from a reader some lines of which the caller has read already.</summary>
    public static async IAsyncEnumerable<(string? Id, T Data)> ReadEventsAsync<T>(this StreamReader reader, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        string? id = null;
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line.StartsWith("id: ", StringComparison.Ordinal))
            {
                id = line["id: ".Length..];
            }
            else if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                yield return (id, JsonSerializer.Deserialize<T>(line["data: ".Length..], Json)!);
            }
            else if (line.Length == 0)
            {
                id = null;
            }
        }
    }

    /// <summary>
    /// Asks again until <paramref name="condition"/> holds, failing with the last answer when the deadline passes.
    /// The pause between asks only spaces them out; correctness rests on the deadline alone.
    /// </summary>
    public static async Task<T> PollAsync<T>(Func<CancellationToken, Task<T>> probe, Func<T, bool> condition, string waitingFor, TimeSpan? limit = null)
    {
        var deadlineAfter = limit ?? TimeSpan.FromSeconds(60);
        using var deadline = new CancellationTokenSource(deadlineAfter);
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
            throw new TimeoutException($"Waited {deadlineAfter} for {waitingFor}; last seen: {JsonSerializer.Serialize(last, Json)}");
        }
    }
}
