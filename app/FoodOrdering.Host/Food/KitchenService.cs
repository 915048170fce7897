using System.Net.Http.Headers;
using System.Threading.Channels;
using FoodOrdering.Domain.Restaurants;

namespace FoodOrdering.Host.Food;

/// <summary>
/// The point of sale's clock: cooks pick up queued orders, finished dishes are reported to the app with the
/// restaurant's bearer token, and failed callbacks are retried with backoff. State lives in the kitchen's
/// store, so a restart resumes the same work, and several hosts share the kitchens without repeating a callback.
/// </summary>
public sealed partial class KitchenService(Kitchen kitchen, RestaurantTokens tokens, IHttpClientFactory httpClients, TimeProvider time,
    ILogger<KitchenService> logger) : BackgroundService
{
    public const string HttpClientName = "kitchen-callbacks";

    /// <summary>The callbacks' HTTP timeout (real time).</summary>
    public static readonly TimeSpan CallbackTimeout = TimeSpan.FromSeconds(10);

    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// A claimed callback stays with this host for twice its timeout, in the kitchen's (possibly scaled) time, so no
    /// other host repeats it while it is under way; a host killed meanwhile leaves it to another after that.
    /// </summary>
    private readonly TimeSpan _lease = CallbackTimeout * 2 * (time is Durable.ScaledTimeProvider scaled ? scaled.Scale : 1);

    /// <summary>Callbacks claimed per round; a full round is followed by another at once.</summary>
    private const int CallbacksPerRound = 32;

    /// <summary>
    /// A ready order outside the tick (instant preparation, the "prepared" button) wakes the loop, so its callback goes
    /// out now rather than at the next tick; wakes that arrive while a round runs collapse into one.
    /// </summary>
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // The tick is real time (how often to look); what the kitchen does is in the system's (possibly scaled) time.
        using var timer = new PeriodicTimer(Tick);
        void Wake() => _wake.Writer.TryWrite(true);
        kitchen.CallbackReady += Wake;
        try
        {
            Task<bool> tick = Task.FromResult(true);
            Task<bool> woken = _wake.Reader.WaitToReadAsync(stoppingToken).AsTask();
            while (true)
            {
                var ticked = await Task.WhenAny(tick, woken) == tick;
                if (ticked)
                {
                    if (!await tick)
                    {
                        return;
                    }
                    tick = timer.WaitForNextTickAsync(stoppingToken).AsTask();
                }
                else
                {
                    _wake.Reader.TryRead(out _);
                    woken = _wake.Reader.WaitToReadAsync(stoppingToken).AsTask();
                }
                await RoundAsync(advance: ticked, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down; pending work is in the kitchen's file.
        }
        finally
        {
            kitchen.CallbackReady -= Wake;
        }
    }

    private async Task RoundAsync(bool advance, CancellationToken stoppingToken)
    {
        try
        {
            if (advance)
            {
                await kitchen.AdvanceAsync(stoppingToken);
            }
            IReadOnlyList<CallbackDue> due;
            do
            {
                due = await kitchen.ClaimCallbacksDueAsync(CallbacksPerRound, _lease, stoppingToken);
                await Task.WhenAll(due.Select(d => CallBackAsync(d, stoppingToken)));
            }
            while (due.Count == CallbacksPerRound && !stoppingToken.IsCancellationRequested);
        }
        catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
        {
            LogTickFailed(ex);
        }
    }

    /// <summary>
    /// Makes one claimed callback. Its outcome is recorded even while the host stops (not cancelled by
    /// <paramref name="stoppingToken"/>): a callback already made and left unrecorded would be made again after its lease.
    /// </summary>
    private async Task CallBackAsync(CallbackDue due, CancellationToken stoppingToken)
    {
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, due.CallbackUrl);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", tokens.For(due.RestaurantId));
            using var response = await httpClients.CreateClient(HttpClientName).SendAsync(request, stoppingToken);
            if (response.IsSuccessStatusCode)
            {
                await kitchen.CallbackSucceededAsync(due.OrderId, CancellationToken.None);
                return;
            }
            if ((int)response.StatusCode is 404 or 409 or 410)
            {
                // The app has no use for it (the order ended meanwhile): retrying would never help.
                LogCallbackRefused(due.OrderId, due.RestaurantId, (int)response.StatusCode);
                await kitchen.CallbackSucceededAsync(due.OrderId, CancellationToken.None);
                return;
            }
            await FailAsync(due, $"{(int)response.StatusCode} {response.ReasonPhrase}");
        }
        catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
        {
            await FailAsync(due, ex.Message);
        }
    }

    private async Task FailAsync(CallbackDue due, string error)
    {
        var retryIn = TimeSpan.FromSeconds(Math.Min(60, Math.Pow(2, Math.Min(due.Attempts, 6))));
        LogCallbackFailed(due.OrderId, due.RestaurantId, error, retryIn);
        await kitchen.CallbackFailedAsync(due.OrderId, error, retryIn, CancellationToken.None);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "The app declined the callback for order {OrderId} of {RestaurantId} ({Status}); not retried")]
    private partial void LogCallbackRefused(string orderId, string restaurantId, int status);

    [LoggerMessage(Level = LogLevel.Error, Message = "The kitchen tick failed")]
    private partial void LogTickFailed(Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Callback for order {OrderId} of {RestaurantId} failed ({Error}); retrying in {RetryIn}")]
    private partial void LogCallbackFailed(string orderId, string restaurantId, string error, TimeSpan retryIn);
}
