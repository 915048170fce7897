using BenchmarkDotNet.Attributes;
using Durable;
using Durable.Testing;
using FoodOrdering.Benchmarks.Workflows;

namespace FoodOrdering.Benchmarks.Micro;

/// <summary>
/// Replays a recorded <see cref="CourierRoundsWorkflow"/> history (activities, timers, signals) with
/// <see cref="WorkflowReplayer"/>. Baseline: deserializing the same events from the JSON the store
/// keeps, so the ratio is the engine's own replay cost next to the cost of reading the events.
/// </summary>
[MemoryDiagnoser]
public class ReplayBenchmarks
{
    private IReadOnlyList<HistoryEvent> _history = [];
    private string[] _stored = [];

    [Params(100, 1_000, RecordedHistories.MaxEvents)]
    public int Events { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _history = RecordedHistories.GetAsync(Events).GetAwaiter().GetResult();
        _stored = RecordedHistories.ToStoredJson(_history);
    }

    [Benchmark(Baseline = true, Description = "deserialize the history")]
    public List<HistoryEvent> Deserialize()
    {
        var events = new List<HistoryEvent>(_stored.Length);
        foreach (var json in _stored)
        {
            events.Add(DurableJson.DeserializeEvent(json));
        }
        return events;
    }

    [Benchmark(Description = "replay it")]
    public void Replay() => WorkflowReplayer.Replay<CourierRoundsWorkflow>(_history);

    [Benchmark(Description = "deserialize and replay")]
    public void DeserializeAndReplay() => WorkflowReplayer.Replay<CourierRoundsWorkflow>(Deserialize());
}
