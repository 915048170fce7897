using System.Net.Http.Headers;
using FoodOrdering.Domain.Restaurants;

namespace FoodOrdering.Host.Food;

/// <summary>
/// The point of sale's clock: cooks pick up queued orders, finished dishes are reported to the app with the
/// restaurant's bearer token, and failed callbacks are retried with backoff. State lives in the kitchen's
/// file, so a restart resumes the same work.
/// </summary>
public sealed partial class KitchenService(Kitchen kitchen, RestaurantTokens tokens, IHttpClientFactory httpClients, ILogger<KitchenService> logger)
    : BackgroundService
{
    public const string HttpClientName = "kitchen-callbacks";
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(200);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // The tick is real time (how often to look); what the kitchen does is in the system's (possibly scaled) time.
        using var timer = new PeriodicTimer(Tick);
        try
        {
            do
            {
                try
                {
                    kitchen.Advance();
                    await Task.WhenAll(kitchen.CallbacksDue(32).Select(due => CallBackAsync(due, stoppingToken)));
                }
                catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
                {
                    LogTickFailed(ex);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down; pending work is in the kitchen's file.
        }
    }

    private async Task CallBackAsync(CallbackDue due, CancellationToken stoppingToken)
    {
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, due.CallbackUrl);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", tokens.For(due.RestaurantId));
            using var response = await httpClients.CreateClient(HttpClientName).SendAsync(request, stoppingToken);
            if (response.IsSuccessStatusCode)
            {
                kitchen.CallbackSucceeded(due.OrderId);
                return;
            }
            if ((int)response.StatusCode is 404 or 409 or 410)
            {
                // The app has no use for it (the order ended meanwhile): retrying would never help.
                LogCallbackRefused(due.OrderId, due.RestaurantId, (int)response.StatusCode);
                kitchen.CallbackSucceeded(due.OrderId);
                return;
            }
            Fail(due, $"{(int)response.StatusCode} {response.ReasonPhrase}");
        }
        catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
        {
            Fail(due, ex.Message);
        }
    }

    private void Fail(CallbackDue due, string error)
    {
        var retryIn = TimeSpan.FromSeconds(Math.Min(60, Math.Pow(2, Math.Min(due.Attempts, 6))));
        LogCallbackFailed(due.OrderId, due.RestaurantId, error, retryIn);
        kitchen.CallbackFailed(due.OrderId, error, retryIn);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "The app declined the callback for order {OrderId} of {RestaurantId} ({Status}); not retried")]
    private partial void LogCallbackRefused(string orderId, string restaurantId, int status);

    [LoggerMessage(Level = LogLevel.Error, Message = "The kitchen tick failed")]
    private partial void LogTickFailed(Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Callback for order {OrderId} of {RestaurantId} failed ({Error}); retrying in {RetryIn}")]
    private partial void LogCallbackFailed(string orderId, string restaurantId, string error, TimeSpan retryIn);
}
