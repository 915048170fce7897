namespace Durable.Tests.Workflows;

/// <param name="Rounds">Rounds run one after another.</param>
/// <param name="Width">Activities run side by side in each round.</param>
public sealed record ManyActivities(int Rounds, int Width);

/// <summary>Runs many small activities to grow a long history.</summary>
public sealed class ManyActivitiesWorkflow : Workflow<ManyActivities, long>
{
    public override async Task<long> RunAsync(WorkflowContext context, ManyActivities input)
    {
        long sum = 0;
        for (var round = 0; round < input.Rounds; round++)
        {
            var calls = new List<Task<int>>(input.Width);
            for (var i = 0; i < input.Width; i++)
            {
                var (left, right) = (round, i);
                calls.Add(context.ExecuteActivityAsync((EchoActivities e) => e.AddAsync(left, right)));
            }
            foreach (var value in await Task.WhenAll(calls))
            {
                sum += value;
            }
        }
        return sum;
    }
}
