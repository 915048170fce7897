namespace Durable.Tests.Workflows;

/// <summary>Waits for one "finish" signal and returns it after its input.</summary>
public sealed class AwaitSignalWorkflow : Workflow<string, string>
{
    public const string Finish = "finish";

    public override async Task<string> RunAsync(WorkflowContext context, string input) =>
        input + ":" + await context.WaitForSignalAsync<string>(Finish);
}
