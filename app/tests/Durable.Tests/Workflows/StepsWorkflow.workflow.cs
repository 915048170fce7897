namespace Durable.Tests.Workflows;

/// <summary>For each of <c>steps</c> "step" signals, adds the signalled value through an activity.</summary>
public sealed class StepsWorkflow : Workflow<int, int>
{
    public const string Step = "step";

    public override async Task<int> RunAsync(WorkflowContext context, int steps)
    {
        var total = 0;
        for (var i = 0; i < steps; i++)
        {
            var value = await context.WaitForSignalAsync<int>(Step);
            total = await context.ExecuteActivityAsync((EchoActivities e) => e.AddAsync(total, value));
        }
        return total;
    }
}
