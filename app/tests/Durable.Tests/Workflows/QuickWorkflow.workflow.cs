namespace Durable.Tests.Workflows;

public static class QuickMode
{
    public const string Fail = "fail";
    public const string Wait = "wait";
}

/// <summary>Returns its input at once, fails on purpose (<see cref="QuickMode.Fail"/>) or waits for "release" (<see cref="QuickMode.Wait"/>).</summary>
public sealed class QuickWorkflow : Workflow<string, string>
{
    public const string Release = "release";

    public override async Task<string> RunAsync(WorkflowContext context, string input)
    {
        switch (input)
        {
            case QuickMode.Fail:
                throw new ApplicationFailureException("failed on purpose", "QuickFailure");
            case QuickMode.Wait:
                await context.WaitForSignalAsync(Release);
                break;
        }
        return input;
    }
}
