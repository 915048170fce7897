namespace Durable.Tests.Workflows;

/// <summary>Waits for a "reply" signal with a timeout and reports which came first.</summary>
public sealed class SignalTimeoutWorkflow : Workflow<TimeSpan, string>
{
    public const string Reply = "reply";

    public override async Task<string> RunAsync(WorkflowContext context, TimeSpan input)
    {
        try
        {
            return "reply:" + await context.WaitForSignalAsync<string>(Reply, input);
        }
        catch (SignalTimeoutException ex)
        {
            return "timeout:" + ex.SignalName;
        }
    }
}
