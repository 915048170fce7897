namespace Durable.Tests.Workflows;

/// <param name="HoldFirst">Run a held activity before the first wait, so signals can arrive before anyone waits.</param>
public sealed record SignalCollectRequest(string Name, int Count, bool HoldFirst = false);

/// <summary>Collects <see cref="SignalCollectRequest.Count"/> signals of one name, one wait after another.</summary>
public sealed class SignalCollectorWorkflow : Workflow<SignalCollectRequest, List<string>>
{
    public override async Task<List<string>> RunAsync(WorkflowContext context, SignalCollectRequest input)
    {
        if (input.HoldFirst)
        {
            await context.ExecuteActivityAsync((GateActivities g) => g.HoldAsync("held", CancellationToken.None));
        }
        var received = new List<string>();
        for (var i = 0; i < input.Count; i++)
        {
            received.Add(await context.WaitForSignalAsync<string>(input.Name));
        }
        return received;
    }
}
