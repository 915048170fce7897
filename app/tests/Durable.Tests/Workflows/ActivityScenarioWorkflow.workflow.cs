namespace Durable.Tests.Workflows;

public static class ActivityScenarioKind
{
    public const string Flaky = "flaky";
    public const string AlwaysFail = "always-fail";
    public const string NonRetryableType = "non-retryable-type";
    public const string ApplicationFailure = "application-failure";
    public const string Hang = "hang";
}

/// <param name="Kind">One of <see cref="ActivityScenarioKind"/>.</param>
/// <param name="Attempts">Flaky: the attempt that succeeds. Hang: how many attempts hang.</param>
public sealed record ActivityScenario(string Kind, int Attempts = 0, int MaximumAttempts = 0, int TimeoutMs = 0);

public sealed record ActivityScenarioResult(string? Value, string? ErrorType, string? ErrorMessage, int? FailedSequence, DateTimeOffset StartedAt, DateTimeOffset FinishedAt);

/// <summary>Runs one misbehaving activity with the scenario's retry policy and reports how it ended, catching <see cref="ActivityFailedException"/>.</summary>
public sealed class ActivityScenarioWorkflow : Workflow<ActivityScenario, ActivityScenarioResult>
{
    public override async Task<ActivityScenarioResult> RunAsync(WorkflowContext context, ActivityScenario input)
    {
        var options = new ActivityOptions
        {
            StartToCloseTimeout = input.TimeoutMs > 0 ? TimeSpan.FromMilliseconds(input.TimeoutMs) : ActivityOptions.Default.StartToCloseTimeout,
            RetryPolicy = new RetryPolicy
            {
                MaximumAttempts = input.MaximumAttempts,
                NonRetryableErrorTypes = input.Kind == ActivityScenarioKind.NonRetryableType ? [nameof(InvalidOperationException)] : [],
            },
        };
        var startedAt = context.UtcNow;
        try
        {
            var value = input.Kind switch
            {
                ActivityScenarioKind.Flaky => await context.ExecuteActivityAsync((FlakyActivities a) => a.SucceedOnAttemptAsync(input.Attempts), options),
                ActivityScenarioKind.AlwaysFail or ActivityScenarioKind.NonRetryableType =>
                    await context.ExecuteActivityAsync((FlakyActivities a) => a.AlwaysFailAsync("boom"), options),
                ActivityScenarioKind.ApplicationFailure => await context.ExecuteActivityAsync((FlakyActivities a) => a.DeclineAsync(), options),
                ActivityScenarioKind.Hang => await context.ExecuteActivityAsync((FlakyActivities a) => a.HangAsync(input.Attempts, CancellationToken.None), options),
                _ => throw new ApplicationFailureException($"Unknown scenario '{input.Kind}'.", nonRetryable: true),
            };
            return new ActivityScenarioResult(value, null, null, null, startedAt, context.UtcNow);
        }
        catch (ActivityFailedException ex)
        {
            return new ActivityScenarioResult(null, ex.Error.Type, ex.Error.Message, ex.Sequence, startedAt, context.UtcNow);
        }
    }
}
