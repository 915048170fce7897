namespace Durable.Tests.Workflows;

/// <summary>Activity, signal, activity: three activations to replay and trace.</summary>
public sealed class TracedWorkflow : Workflow<string, string>
{
    public const string Go = "go";

    public override async Task<string> RunAsync(WorkflowContext context, string input)
    {
        var first = await context.ExecuteActivityAsync((EchoActivities e) => e.EchoAsync(input));
        var signal = await context.WaitForSignalAsync<string>(Go);
        var second = await context.ExecuteActivityAsync((EchoActivities e) => e.EchoAsync(signal));
        return first + second;
    }
}
