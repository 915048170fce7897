namespace Durable.Tests.Workflows;

/// <param name="HoldFirst">The first run waits for a held activity before it reads any signal, so signals pile up.</param>
public sealed record CounterState(int SignalsPerRun, int Target, int Total = 0, int Generation = 0, bool HoldFirst = false, IReadOnlyList<int>? Seen = null);

public sealed record CounterStatus(int Total, int Generation);

public sealed record CounterResult(int Total, int Generation, IReadOnlyList<int> Seen);

/// <summary>Adds up "add" signals until the target, continuing as new every <see cref="CounterState.SignalsPerRun"/> signals.</summary>
public sealed class CounterWorkflow : Workflow<CounterState, CounterResult>
{
    public const string Add = "add";

    public override async Task<CounterResult> RunAsync(WorkflowContext context, CounterState input)
    {
        if (input.HoldFirst && input.Generation == 0)
        {
            await context.ExecuteActivityAsync((GateActivities g) => g.HoldAsync("held", CancellationToken.None));
        }
        var total = input.Total;
        var seen = new List<int>(input.Seen ?? []);
        for (var i = 0; i < input.SignalsPerRun; i++)
        {
            var value = await context.WaitForSignalAsync<int>(Add);
            total += value;
            seen.Add(value);
            context.SetStatus(new CounterStatus(total, input.Generation));
            if (total >= input.Target)
            {
                return new CounterResult(total, input.Generation, seen);
            }
        }
        throw context.ContinueAsNew(input with { Total = total, Generation = input.Generation + 1, Seen = seen });
    }
}
