namespace Durable.Tests.Workflows;

/// <summary>Three charges in a row; the second waits at the test's gate so the engine can be restarted around it.</summary>
public sealed class ThreeChargesWorkflow : Workflow<string, string>
{
    public override async Task<string> RunAsync(WorkflowContext context, string input)
    {
        var a = await context.ExecuteActivityAsync((LedgerActivities l) => l.ChargeAsync(input + "-a"));
        var b = await context.ExecuteActivityAsync((LedgerActivities l) => l.ChargeAfterGateAsync(input + "-b", CancellationToken.None));
        var c = await context.ExecuteActivityAsync((LedgerActivities l) => l.ChargeAsync(input + "-c"));
        return string.Join(", ", a, b, c);
    }
}
