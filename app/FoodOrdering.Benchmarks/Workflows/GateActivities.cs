using Durable.Hosting;

namespace FoodOrdering.Benchmarks.Workflows;

/// <summary>The gate of <see cref="GatedWorkflow"/>: shut, an activity waits until it is cancelled; open, it passes at once.</summary>
public sealed class Gate
{
    private volatile bool _open;

    public bool IsOpen
    {
        get => _open;
        set => _open = value;
    }
}

public sealed class GateActivities(Gate gate, ActivityRecorder recorder)
{
    public async Task<int> PassAsync(int index)
    {
        if (!gate.IsOpen)
        {
            await Task.Delay(Timeout.Infinite, ActivityContext.Current!.CancellationToken);
        }
        recorder.Mark(index);
        return index;
    }
}
