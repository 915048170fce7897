using Durable.Hosting;

namespace Durable.Tests.Workflows;

/// <summary>Activities that fail on purpose; each attempt is recorded in <see cref="AttemptLog"/>.</summary>
public sealed class FlakyActivities(AttemptLog log)
{
    public Task<string> SucceedOnAttemptAsync(int successfulAttempt)
    {
        var attempt = Record(nameof(SucceedOnAttemptAsync));
        if (attempt < successfulAttempt)
        {
            throw new InvalidOperationException($"attempt {attempt} failed");
        }
        return Task.FromResult($"ok on attempt {attempt}");
    }

    public Task<string> AlwaysFailAsync(string message)
    {
        var attempt = Record(nameof(AlwaysFailAsync));
        throw new InvalidOperationException($"{message} (attempt {attempt})");
    }

    public Task<string> DeclineAsync()
    {
        Record(nameof(DeclineAsync));
        throw new ApplicationFailureException("card declined", "CardDeclined", nonRetryable: true);
    }

    /// <summary>Never finishes on the first <paramref name="hangingAttempts"/> attempts, so only the start-to-close timeout ends them.</summary>
    public async Task<string> HangAsync(int hangingAttempts, CancellationToken cancellationToken)
    {
        var attempt = Record(nameof(HangAsync));
        if (attempt <= hangingAttempts)
        {
            await new TaskCompletionSource().Task.WaitAsync(cancellationToken);
        }
        return $"finished on attempt {attempt}";
    }

    private int Record(string activity)
    {
        var context = ActivityContext.Current ?? throw new InvalidOperationException("No activity context.");
        log.Attempt(activity, context.IdempotencyKey, context.Attempt);
        return context.Attempt;
    }
}
