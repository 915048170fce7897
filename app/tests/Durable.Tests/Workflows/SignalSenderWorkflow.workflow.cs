namespace Durable.Tests.Workflows;

public sealed record SignalOrder(string TargetWorkflowId, string Payload);

/// <summary>Signals another workflow's "finish" and reports whether it was delivered.</summary>
public sealed class SignalSenderWorkflow : Workflow<SignalOrder, string>
{
    public override async Task<string> RunAsync(WorkflowContext context, SignalOrder input)
    {
        try
        {
            await context.SignalWorkflowAsync(input.TargetWorkflowId, AwaitSignalWorkflow.Finish, input.Payload);
            return "sent";
        }
        catch (ExternalSignalFailedException ex)
        {
            return $"not sent to {ex.WorkflowId}: {ex.Message}";
        }
    }
}
