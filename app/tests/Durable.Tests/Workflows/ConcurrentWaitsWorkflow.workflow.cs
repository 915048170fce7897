namespace Durable.Tests.Workflows;

/// <summary>Two waits on the same signal name and one on another, all pending at once.</summary>
public sealed class ConcurrentWaitsWorkflow : Workflow<string, List<string>>
{
    public const string Item = "item";
    public const string Other = "other";

    public override async Task<List<string>> RunAsync(WorkflowContext context, string input)
    {
        var first = context.WaitForSignalAsync<string>(Item);
        var second = context.WaitForSignalAsync<string>(Item);
        var other = context.WaitForSignalAsync<string>(Other);
        return [await first, await second, await other];
    }
}
