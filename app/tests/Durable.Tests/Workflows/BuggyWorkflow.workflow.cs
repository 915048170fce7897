namespace Durable.Tests.Workflows;

/// <summary>Throws a plain exception (a bug, not a deliberate failure) after its first activity while <see cref="IsBroken"/> is set.</summary>
public sealed class BuggyWorkflow : Workflow<string, string>
{
    public const string BugMessage = "bug: the order has no lines";

    /// <summary>Set by tests to ship the bug; clearing it is the "fixed deployment".</summary>
    public static bool IsBroken { get; set; }

    public override async Task<string> RunAsync(WorkflowContext context, string input)
    {
        var echoed = await context.ExecuteActivityAsync((EchoActivities e) => e.EchoAsync(input));
        if (IsBroken)
        {
            throw new InvalidOperationException(BugMessage);
        }
        return echoed + "!";
    }
}
