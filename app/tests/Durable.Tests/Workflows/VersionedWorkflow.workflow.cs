namespace Durable.Tests.Workflows;

/// <summary>Version 1 echoes, sleeps, adds; <see cref="ShipsBreakingChange"/> inserts a new activity before the sleep.</summary>
public sealed class VersionedWorkflow : Workflow<string, string>
{
    /// <summary>Set by tests to model the next release; they must reset it.</summary>
    public static bool ShipsBreakingChange { get; set; }

    public override async Task<string> RunAsync(WorkflowContext context, string input)
    {
        var echoed = await context.ExecuteActivityAsync((EchoActivities e) => e.EchoAsync(input));
        if (ShipsBreakingChange)
        {
            echoed = await context.ExecuteActivityAsync((EchoActivities e) => e.EchoAsync(echoed + " (audited)"));
        }
        await context.DelayAsync(TimeSpan.FromMinutes(5));
        var sum = await context.ExecuteActivityAsync((EchoActivities e) => e.AddAsync(2, 3));
        return $"{echoed} {sum}";
    }
}
