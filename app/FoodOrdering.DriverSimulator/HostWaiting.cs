using System.Text.Json;

namespace FoodOrdering.DriverSimulator;

/// <summary>Asking the host until it answers: a host that is not up yet, or restarting, is waited for, not fatal.</summary>
internal static class HostWaiting
{
    private static readonly TimeSpan MaximumDelay = TimeSpan.FromSeconds(10);

    /// <summary>
    /// <paramref name="ask"/>'s answer once the host gives one, saying why it waits (one line, no stack trace) with a
    /// backoff from 1 s to 10 s; null when cancelled first.
    /// </summary>
    public static async Task<T?> UntilAnsweredAsync<T>(Uri app, Func<CancellationToken, Task<T>> ask, CancellationToken cancellationToken)
        where T : class
    {
        var delay = TimeSpan.FromSeconds(1);
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                return await ask(cancellationToken);
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or JsonException && !cancellationToken.IsCancellationRequested)
            {
                SimulatorConsole.Log($"Waiting for the host at {app}: {ex.Message}");
                await Task.Delay(delay, cancellationToken).ContinueWith(_ => { }, TaskScheduler.Default);
                delay = TimeSpan.FromTicks(Math.Min(MaximumDelay.Ticks, delay.Ticks * 2));
            }
        }
        return null;
    }
}
