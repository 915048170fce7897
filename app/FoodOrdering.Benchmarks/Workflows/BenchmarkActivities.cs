namespace FoodOrdering.Benchmarks.Workflows;

/// <summary>No-op activities: the benchmark measures the engine, not the work.</summary>
public sealed class BenchmarkActivities(ActivityRecorder recorder)
{
    public Task<int> AddOneAsync(int value) => Task.FromResult(value + 1);

    /// <summary>Records when step <paramref name="index"/> started, so round trips can be measured outside workflow code.</summary>
    public Task<int> StepAsync(int index)
    {
        recorder.Mark(index);
        return Task.FromResult(index);
    }
}
