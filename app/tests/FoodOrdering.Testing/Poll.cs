using System.Runtime.CompilerServices;
using System.Text.Json;

namespace FoodOrdering.Testing;

/// <summary>Waiting on a condition with a deadline; the deadline is a hang guard, nothing asserts how long it took.</summary>
public static class Poll
{
    /// <summary>Asks until <paramref name="condition"/> answers true; past <paramref name="limit"/>, fails with <paramref name="diagnostics"/>.</summary>
    public static Task UntilAsync(Func<CancellationToken, Task<bool>> condition, string waitingFor, TimeSpan limit, Func<string> diagnostics) =>
        UntilAsync(condition, ok => ok, waitingFor, limit, diagnostics, "true");

    /// <summary>
    /// Asks until <paramref name="condition"/> holds; past the deadline, fails with the last answer and <paramref name="diagnostics"/>.
    /// The deadline is a hang guard only: nothing asserts how long anything took.
    /// </summary>
    public static async Task<T> UntilAsync<T>(Func<CancellationToken, Task<T>> probe, Func<T, bool> condition, string waitingFor, TimeSpan? limit = null,
        Func<string>? diagnostics = null, [CallerArgumentExpression(nameof(condition))] string? conditionText = null)
    {
        var deadlineAfter = limit ?? TimeSpan.FromSeconds(60);
        using var deadline = new CancellationTokenSource(deadlineAfter);
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
                await Task.Delay(TimeSpan.FromMilliseconds(200), deadline.Token);
            }
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            throw new TimeoutException($"Waited {deadlineAfter} for {waitingFor} ({conditionText}); last seen: {JsonSerializer.Serialize(last, FoodOrderingSystem.Json)}\n{diagnostics?.Invoke()}");
        }
    }

    /// <summary>
    /// Asks every <paramref name="interval"/> until <paramref name="condition"/> holds, for as long as it takes while things move:
    /// fails only when <paramref name="progress"/> of the answers has not changed for <paramref name="stallLimit"/> (a hang guard
    /// that does not depend on the machine's speed). A probe that fails on the way (connection, cut-off answer, timeout) counts as no progress.
    /// </summary>
    public static async Task<T> WhileProgressingAsync<T>(Func<CancellationToken, Task<T>> probe, Func<T, bool> condition, Func<T, string> progress, string waitingFor,
        TimeSpan stallLimit, TimeSpan interval, Func<string>? diagnostics = null)
    {
        string? seen = null;
        var lastChange = System.Diagnostics.Stopwatch.StartNew();
        Exception? failure = null;
        while (true)
        {
            try
            {
                var answer = await probe(CancellationToken.None);
                failure = null;
                if (condition(answer))
                {
                    return answer;
                }
                var now = progress(answer);
                if (now != seen)
                {
                    seen = now;
                    lastChange.Restart();
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException or TaskCanceledException)
            {
                failure = ex;
            }
            if (lastChange.Elapsed > stallLimit)
            {
                throw new TimeoutException($"Waited for {waitingFor}: nothing changed for {stallLimit}; last seen: {seen}{(failure is null ? "" : $"; last error: {failure.Message}")}\n{diagnostics?.Invoke()}");
            }
            await Task.Delay(interval);
        }
    }
}
