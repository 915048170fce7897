namespace Durable.Tests.Workflows;

/// <summary>
/// Races a signal against a one-hour timer, cancels the loser, then runs an activity named after the winner.
/// With <c>hold</c> a held activity runs alongside, which keeps the test clock still so the signal can win.
/// </summary>
public sealed class SignalOrTimerWorkflow : Workflow<bool, string>
{
    public const string Wake = "wake";

    public override async Task<string> RunAsync(WorkflowContext context, bool hold)
    {
        using var loser = new CancellationTokenSource();
        var signal = context.WaitForSignalAsync<string>(Wake, cancellationToken: loser.Token);
        var timer = context.DelayAsync(TimeSpan.FromHours(1), loser.Token);
        var held = hold ? context.ExecuteActivityAsync((GateActivities g) => g.HoldAsync("held", CancellationToken.None)) : Task.FromResult("not held");
        var first = await Task.WhenAny(signal, timer);
        // Cancel, not CancelAsync: the callbacks must run here, on the workflow's scheduler.
        loser.Cancel();
        await held;
        var branch = first == signal ? "signal" : "timer";
        return await context.ExecuteActivityAsync((EchoActivities e) => e.EchoAsync(branch));
    }
}
