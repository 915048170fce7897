namespace Durable.Tests.Workflows;

public static class CancelPoint
{
    public const string Timer = "timer";
    public const string Activity = "activity";
    public const string Signal = "signal";
}

/// <summary>Charges, then waits on a timer, an activity or a signal (<see cref="CancelPoint"/>); when cancelled it refunds and ends cancelled.</summary>
public sealed class CancellableWorkflow : Workflow<string, string>
{
    public override async Task<string> RunAsync(WorkflowContext context, string input)
    {
        await context.ExecuteActivityAsync((LedgerActivities l) => l.ChargeAsync(input));
        try
        {
            switch (input)
            {
                case CancelPoint.Timer:
                    await context.DelayAsync(TimeSpan.FromDays(1));
                    break;
                case CancelPoint.Activity:
                    await context.ExecuteActivityAsync((GateActivities g) => g.HoldAsync("held", CancellationToken.None));
                    break;
                default:
                    await context.WaitForSignalAsync("never");
                    break;
            }
            return "finished";
        }
        catch (OperationCanceledException)
        {
            // The workflow's own token has fired; compensation runs on the detached one.
            await context.ExecuteActivityAsync((LedgerActivities l) => l.RefundAsync(input), cancellationToken: context.DetachedCancellationToken);
            throw;
        }
    }
}
