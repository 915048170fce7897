using Durable;
using Durable.Testing;
using FoodOrdering.Benchmarks.Workflows;

namespace FoodOrdering.Benchmarks.Micro;

/// <summary>
/// Histories of <see cref="CourierRoundsWorkflow"/> recorded through a real engine (SQLite, time
/// skipping), once per process: each requested length is the longest prefix that ends on an
/// activation boundary, so it replays as a workflow still in flight would.
/// </summary>
public static class RecordedHistories
{
    /// <summary>The longest history the benchmarks ask for.</summary>
    public const int MaxEvents = 10_000;

    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static IReadOnlyList<HistoryEvent>? _recorded;
    private static int _recordedRounds;

    /// <summary>A history of at most <paramref name="events"/> events (and at least 90% of them).</summary>
    public static async Task<IReadOnlyList<HistoryEvent>> GetAsync(int events)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(events, 20);
        var recorded = await RecordAsync(events);
        var end = events >= recorded.Count ? recorded.Count : LastActivationBoundary(recorded, events);
        if (end < events * 9 / 10)
        {
            throw new InvalidOperationException($"The recorded history has {recorded.Count} events; no activation boundary near {events}.");
        }
        return [.. recorded.Take(end)];
    }

    /// <summary>The events as the store keeps them: one JSON document per event.</summary>
    public static string[] ToStoredJson(IReadOnlyList<HistoryEvent> history) => [.. history.Select(DurableJson.SerializeEvent)];

    private static int LastActivationBoundary(IReadOnlyList<HistoryEvent> history, int limit)
    {
        for (var i = limit; i > 0; i--)
        {
            if (history[i].Type == HistoryEventType.ActivationStarted)
            {
                return i;
            }
        }
        return 0;
    }

    private static async Task<IReadOnlyList<HistoryEvent>> RecordAsync(int events)
    {
        await Gate.WaitAsync();
        try
        {
            // Enough rounds for the longest history asked for so far, plus one activation to cut at.
            var rounds = Math.Max(events, MaxEvents) / 6 + 2;
            if (_recorded is null || _recordedRounds < rounds)
            {
                _recorded = await RecordRoundsAsync(rounds);
                _recordedRounds = rounds;
            }
            return _recorded;
        }
        finally
        {
            Gate.Release();
        }
    }

    private static async Task<IReadOnlyList<HistoryEvent>> RecordRoundsAsync(int rounds)
    {
        await using var environment = await DurableTestEnvironment.StartAsync(b => b
            .AddWorkflow<CourierRoundsWorkflow>()
            .AddActivities<CourierActivities>());
        const string workflowId = "courier-1";
        await environment.Client.StartAsync<CourierRoundsWorkflow, int, double>(workflowId, rounds);
        await environment.Client.GetResultAsync<double>(workflowId).WaitAsync(TimeSpan.FromMinutes(5));
        return await environment.Client.GetHistoryAsync(workflowId);
    }
}
