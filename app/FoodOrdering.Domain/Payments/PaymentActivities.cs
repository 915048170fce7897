using System.Net;
using System.Net.Http.Json;
using Durable;

namespace FoodOrdering.Domain.Payments;

/// <summary>Calls the payment provider over HTTP. The idempotency key comes from the workflow, so retries charge once.</summary>
public sealed class PaymentActivities(HttpClient http)
{
    public const string HttpClientName = "payments";

    public async Task<ChargeResult> ChargeAsync(ChargeRequest request)
    {
        using var response = await http.PostAsJsonAsync("charges", request, DurableJson.Options);
        await EnsureSuccessAsync(response);
        return (await response.Content.ReadFromJsonAsync<ChargeResult>(DurableJson.Options))!;
    }

    public async Task<RefundResult> RefundAsync(RefundRequest request)
    {
        using var response = await http.PostAsJsonAsync("refunds", request, DurableJson.Options);
        await EnsureSuccessAsync(response);
        return (await response.Content.ReadFromJsonAsync<RefundResult>(DurableJson.Options))!;
    }

    /// <summary>4xx is the request's fault and never retried; anything else is retried by the engine.</summary>
    internal static async Task EnsureSuccessAsync(HttpResponseMessage response)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }
        var body = await response.Content.ReadAsStringAsync();
        var message = $"{(int)response.StatusCode} {response.ReasonPhrase} from {response.RequestMessage?.RequestUri}: {body}";
        if ((int)response.StatusCode is >= 400 and < 500 && response.StatusCode is not HttpStatusCode.RequestTimeout and not HttpStatusCode.TooManyRequests)
        {
            throw new ApplicationFailureException(message, "HttpClientError", nonRetryable: true);
        }
        throw new HttpRequestException(message, null, response.StatusCode);
    }
}
