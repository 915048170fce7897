using Durable;

namespace FoodOrdering.Benchmarks.Workflows;

/// <summary>
/// A driver's twin reduced to its signal loop: counts "tick" signals until it has seen
/// <see cref="SignalCount.Expected"/>, continuing as new every <see cref="SignalsPerRun"/> so its
/// history stays bounded.
/// </summary>
public sealed class SignalCounterWorkflow : Workflow<SignalCount, int>
{
    public const string Tick = "tick";
    public const int SignalsPerRun = 500;

    public override async Task<int> RunAsync(WorkflowContext context, SignalCount input)
    {
        var received = input.Received;
        for (var i = 0; i < SignalsPerRun; i++)
        {
            if (received == input.Expected)
            {
                return received;
            }
            await context.WaitForSignalAsync<int>(Tick);
            received++;
        }
        throw context.ContinueAsNew(input with { Received = received });
    }
}

public sealed record SignalCount(int Expected, int Received);
