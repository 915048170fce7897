namespace Durable.Tests.Workflows;

/// <summary>Sleeps until an absolute time.</summary>
public sealed class SleepUntilWorkflow : Workflow<DateTimeOffset, SleepResult>
{
    public override async Task<SleepResult> RunAsync(WorkflowContext context, DateTimeOffset input)
    {
        var before = context.UtcNow;
        await context.DelayUntilAsync(input);
        return new SleepResult(before, context.UtcNow);
    }
}
