namespace Durable.Tests.Workflows;

/// <summary>An activity, a 30-day sleep, a signal and another activity: the engine end to end.</summary>
public sealed class GreetingWorkflow : Workflow<string, string>
{
    public const string Go = "go";

    public override async Task<string> RunAsync(WorkflowContext context, string input)
    {
        var a = await context.ExecuteActivityAsync((GreetingActivities g) => g.GreetAsync(input));
        await context.DelayAsync(TimeSpan.FromDays(30));
        var signal = await context.WaitForSignalAsync<string>(Go);
        var b = await context.ExecuteActivityAsync((GreetingActivities g) => g.GreetAsync(signal));
        return a + " / " + b;
    }
}
