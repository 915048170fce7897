namespace Durable.Tests.Workflows;

public sealed record OrderProgress(string Stage, int Step);

/// <summary>Publishes its progress with SetStatus, moving one stage per "advance" signal.</summary>
public sealed class StatusWorkflow : Workflow<int, string>
{
    public const string Advance = "advance";

    public override async Task<string> RunAsync(WorkflowContext context, int stages)
    {
        context.SetStatus(new OrderProgress("created", 0));
        for (var step = 1; step <= stages; step++)
        {
            await context.WaitForSignalAsync(Advance);
            context.SetStatus(new OrderProgress(step == stages ? "done" : $"stage-{step}", step));
        }
        return "finished";
    }
}
