using Durable.Tests.Workflows;

namespace Durable.Tests;

public abstract class ActivityTests(StoreKind store) : StoreTests(store)
{
    [Fact]
    public async Task ExecuteActivityAsync_ActivitySucceeds_ResultReturnedAndRecorded()
    {
        await using var env = await TestEnvironment.StartAsync(Store, b => b.AddWorkflow<EchoWorkflow>());

        await env.Client.StartAsync<EchoWorkflow, string, string>("echo-1", "hello");
        var result = await Wait.ForResultAsync<string>(env, "echo-1");

        Assert.Equal("hello", result);
        var history = await Wait.ReplaysAsync<EchoWorkflow>(env, "echo-1");
        Assert.Equal(
            [
                HistoryEventType.ActivationStarted, HistoryEventType.WorkflowStarted, HistoryEventType.ActivityScheduled,
                HistoryEventType.ActivationStarted, HistoryEventType.ActivityCompleted, HistoryEventType.WorkflowCompleted,
            ],
            history.Types());
        var scheduled = Assert.Single(history.OfType(HistoryEventType.ActivityScheduled));
        Assert.Equal("EchoActivities.Echo", scheduled.Name);
        Assert.Equal("[\"hello\"]", scheduled.Payload);
        var completed = Assert.Single(history.OfType(HistoryEventType.ActivityCompleted));
        Assert.Equal(scheduled.Sequence, completed.Sequence);
        Assert.Equal("\"hello\"", completed.Payload);
    }

    [Fact]
    public async Task ExecuteActivityAsync_FailsTwiceThenSucceeds_RetriedWithBackoffAndRecordedOnce()
    {
        var log = new AttemptLog();
        await using var env = await TestEnvironment.StartAsync(Store, b => b.AddWorkflow<ActivityScenarioWorkflow>(), log);

        await env.Client.StartAsync<ActivityScenarioWorkflow, ActivityScenario, ActivityScenarioResult>("flaky-1", new ActivityScenario(ActivityScenarioKind.Flaky, Attempts: 3));
        var result = await Wait.ForResultAsync<ActivityScenarioResult>(env, "flaky-1");

        Assert.Equal("ok on attempt 3", result.Value);
        Assert.Equal([1, 2, 3], log.Attempts.Select(a => a.Attempt));
        // Temporal's default policy: 1 s before the second attempt, 2 s before the third (skipped over, but on the workflow's clock).
        Assert.True(result.FinishedAt - result.StartedAt >= TimeSpan.FromSeconds(3), $"{result.FinishedAt - result.StartedAt}");
        var history = await Wait.ReplaysAsync<ActivityScenarioWorkflow>(env, "flaky-1");
        var scheduled = Assert.Single(history.OfType(HistoryEventType.ActivityScheduled));
        var completed = Assert.Single(history.OfType(HistoryEventType.ActivityCompleted));
        Assert.Empty(history.OfType(HistoryEventType.ActivityFailed));
        Assert.True(completed.Timestamp - scheduled.Timestamp >= TimeSpan.FromSeconds(3));
    }

    [Fact]
    public async Task ExecuteActivityAsync_MaximumAttemptsExhausted_WorkflowCatchesActivityFailedException()
    {
        var log = new AttemptLog();
        await using var env = await TestEnvironment.StartAsync(Store, b => b.AddWorkflow<ActivityScenarioWorkflow>(), log);

        await env.Client.StartAsync<ActivityScenarioWorkflow, ActivityScenario, ActivityScenarioResult>(
            "exhausted-1", new ActivityScenario(ActivityScenarioKind.AlwaysFail, MaximumAttempts: 3));
        var result = await Wait.ForResultAsync<ActivityScenarioResult>(env, "exhausted-1");

        Assert.Null(result.Value);
        Assert.Equal(typeof(InvalidOperationException).FullName, result.ErrorType);
        Assert.Contains("boom (attempt 3)", result.ErrorMessage, StringComparison.Ordinal);
        Assert.Equal(3, log.AttemptsOf(nameof(FlakyActivities.AlwaysFailAsync)));
        var history = await Wait.ReplaysAsync<ActivityScenarioWorkflow>(env, "exhausted-1");
        var failed = Assert.Single(history.OfType(HistoryEventType.ActivityFailed));
        Assert.Equal(result.FailedSequence, failed.Sequence);
        Assert.Equal(typeof(InvalidOperationException).FullName, failed.Error!.Type);
        Assert.Equal(HistoryEventType.WorkflowCompleted, history[^1].Type);
    }

    [Fact]
    public async Task ExecuteActivityAsync_NonRetryableErrorType_FailsAfterOneAttempt()
    {
        var log = new AttemptLog();
        await using var env = await TestEnvironment.StartAsync(Store, b => b.AddWorkflow<ActivityScenarioWorkflow>(), log);

        await env.Client.StartAsync<ActivityScenarioWorkflow, ActivityScenario, ActivityScenarioResult>(
            "non-retryable-1", new ActivityScenario(ActivityScenarioKind.NonRetryableType));
        var result = await Wait.ForResultAsync<ActivityScenarioResult>(env, "non-retryable-1");

        Assert.Equal(typeof(InvalidOperationException).FullName, result.ErrorType);
        Assert.Equal(1, log.AttemptsOf(nameof(FlakyActivities.AlwaysFailAsync)));
        var history = await Wait.ReplaysAsync<ActivityScenarioWorkflow>(env, "non-retryable-1");
        Assert.Equal(typeof(InvalidOperationException).FullName, Assert.Single(history.OfType(HistoryEventType.ActivityFailed)).Error!.Type);
    }

    [Fact]
    public async Task ExecuteActivityAsync_NonRetryableApplicationFailure_FailsAfterOneAttemptWithItsErrorType()
    {
        var log = new AttemptLog();
        await using var env = await TestEnvironment.StartAsync(Store, b => b.AddWorkflow<ActivityScenarioWorkflow>(), log);

        await env.Client.StartAsync<ActivityScenarioWorkflow, ActivityScenario, ActivityScenarioResult>(
            "declined-1", new ActivityScenario(ActivityScenarioKind.ApplicationFailure));
        var result = await Wait.ForResultAsync<ActivityScenarioResult>(env, "declined-1");

        Assert.Equal("CardDeclined", result.ErrorType);
        Assert.Equal("card declined", result.ErrorMessage);
        Assert.Equal(1, log.AttemptsOf(nameof(FlakyActivities.DeclineAsync)));
        var history = await Wait.ReplaysAsync<ActivityScenarioWorkflow>(env, "declined-1");
        var error = Assert.Single(history.OfType(HistoryEventType.ActivityFailed)).Error!;
        Assert.Equal("CardDeclined", error.Type);
        Assert.True(error.NonRetryable);
    }

    [Fact]
    public async Task ExecuteActivityAsync_AttemptExceedsStartToCloseTimeout_NextAttemptRuns()
    {
        var log = new AttemptLog();
        await using var env = await TestEnvironment.StartAsync(Store, b => b.AddWorkflow<ActivityScenarioWorkflow>(), log);

        await env.Client.StartAsync<ActivityScenarioWorkflow, ActivityScenario, ActivityScenarioResult>(
            "timeout-retry-1", new ActivityScenario(ActivityScenarioKind.Hang, Attempts: 1, TimeoutMs: 100));
        var result = await Wait.ForResultAsync<ActivityScenarioResult>(env, "timeout-retry-1");

        Assert.Equal("finished on attempt 2", result.Value);
        Assert.Equal(2, log.AttemptsOf(nameof(FlakyActivities.HangAsync)));
        var history = await Wait.ReplaysAsync<ActivityScenarioWorkflow>(env, "timeout-retry-1");
        Assert.Single(history.OfType(HistoryEventType.ActivityCompleted));
        Assert.Empty(history.OfType(HistoryEventType.ActivityFailed));
    }

    [Fact]
    public async Task ExecuteActivityAsync_LastAttemptTimesOut_FailsWithStartToCloseTimeout()
    {
        var log = new AttemptLog();
        await using var env = await TestEnvironment.StartAsync(Store, b => b.AddWorkflow<ActivityScenarioWorkflow>(), log);

        await env.Client.StartAsync<ActivityScenarioWorkflow, ActivityScenario, ActivityScenarioResult>(
            "timeout-1", new ActivityScenario(ActivityScenarioKind.Hang, Attempts: int.MaxValue, MaximumAttempts: 1, TimeoutMs: 100));
        var result = await Wait.ForResultAsync<ActivityScenarioResult>(env, "timeout-1");

        Assert.Equal("StartToCloseTimeout", result.ErrorType);
        Assert.Equal(1, log.AttemptsOf(nameof(FlakyActivities.HangAsync)));
        var history = await Wait.ReplaysAsync<ActivityScenarioWorkflow>(env, "timeout-1");
        Assert.Equal("StartToCloseTimeout", Assert.Single(history.OfType(HistoryEventType.ActivityFailed)).Error!.Type);
    }

    [Fact]
    public async Task IdempotencyKey_RetriedActivity_SameKeyOnEveryAttempt()
    {
        var log = new AttemptLog();
        await using var env = await TestEnvironment.StartAsync(Store, b => b.AddWorkflow<ActivityScenarioWorkflow>(), log);

        var handle = await env.Client.StartAsync<ActivityScenarioWorkflow, ActivityScenario, ActivityScenarioResult>(
            "key-1", new ActivityScenario(ActivityScenarioKind.Flaky, Attempts: 3));
        await Wait.ForResultAsync<ActivityScenarioResult>(env, "key-1");

        var history = await Wait.ReplaysAsync<ActivityScenarioWorkflow>(env, "key-1");
        var sequence = Assert.Single(history.OfType(HistoryEventType.ActivityScheduled)).Sequence;
        Assert.Equal(3, log.Attempts.Count);
        Assert.All(log.Attempts, a => Assert.Equal($"key-1/{handle.RunId}/{sequence}", a.Key));
    }

    [Fact]
    public async Task RunAsync_ActivityFailureNotCaught_WorkflowFailsAndGetResultThrows()
    {
        await using var env = await TestEnvironment.StartAsync(Store, b => b.AddWorkflow<UncaughtActivityFailureWorkflow>());

        await env.Client.StartAsync<UncaughtActivityFailureWorkflow, string, string>("uncaught-1", "kaput");
        var ex = await Assert.ThrowsAsync<WorkflowFailedException>(() => Wait.ForResultAsync<string>(env, "uncaught-1"));

        Assert.Equal(WorkflowStatus.Failed, ex.Status);
        Assert.Equal(nameof(ActivityFailedException), ex.Error!.Type);
        Assert.Contains("kaput (attempt 2)", ex.Error.Message, StringComparison.Ordinal);
        var description = await env.Client.DescribeAsync("uncaught-1");
        Assert.Equal(WorkflowStatus.Failed, description!.Status);
        Assert.Null(description.StuckError);
        var history = await Wait.ReplaysAsync<UncaughtActivityFailureWorkflow>(env, "uncaught-1");
        Assert.Equal(HistoryEventType.ActivityFailed, history[^2].Type);
        Assert.Equal(HistoryEventType.WorkflowFailed, history[^1].Type);
        Assert.Equal(nameof(ActivityFailedException), history[^1].Error!.Type);
    }
}

public sealed class ActivityTestsOnSqlite() : ActivityTests(StoreKind.Sqlite);

public sealed class ActivityTestsOnPostgres() : ActivityTests(StoreKind.Postgres);
