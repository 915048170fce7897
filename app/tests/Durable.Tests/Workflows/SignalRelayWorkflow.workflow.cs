namespace Durable.Tests.Workflows;

/// <summary>Signal i (from 1) goes to <c>Targets[i - 1]</c>.</summary>
public sealed record RelayOrder(IReadOnlyList<string> Targets, string SignalName);

/// <summary>Sends numbered signals one after another, publishing a status before each; reports the first one not delivered.</summary>
public sealed class SignalRelayWorkflow : Workflow<RelayOrder, string>
{
    public override async Task<string> RunAsync(WorkflowContext context, RelayOrder order)
    {
        for (var i = 1; i <= order.Targets.Count; i++)
        {
            context.SetStatus($"sending-{i}");
            try
            {
                await context.SignalWorkflowAsync(order.Targets[i - 1], order.SignalName, $"signal-{i}");
            }
            catch (ExternalSignalFailedException)
            {
                return $"signal-{i} not delivered";
            }
        }
        context.SetStatus("sent");
        return $"sent {order.Targets.Count}";
    }
}
