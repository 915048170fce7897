using System.Globalization;

namespace Durable.Tests.Workflows;

/// <summary>A workflow whose code a test changes under a running instance, as a careless deployment would.</summary>
public sealed class EvolvingWorkflow : Workflow<string, string>
{
    public const string Go = "go";

    /// <summary>The "new version": calls a different activity first. Tests set it and must reset it.</summary>
    public static bool CallsAddInsteadOfEcho { get; set; }

    public override async Task<string> RunAsync(WorkflowContext context, string input)
    {
        var first = CallsAddInsteadOfEcho
            ? (await context.ExecuteActivityAsync((EchoActivities e) => e.AddAsync(1, 2))).ToString(CultureInfo.InvariantCulture)
            : await context.ExecuteActivityAsync((EchoActivities e) => e.EchoAsync(input));
        var signal = await context.WaitForSignalAsync<string>(Go);
        return first + "+" + signal;
    }
}
