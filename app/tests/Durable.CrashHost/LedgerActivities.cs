using Durable.Hosting;

namespace Durable.CrashHost;

public sealed class LedgerActivities(Ledger ledger)
{
    /// <summary>Records the step's effect in the ledger, once per idempotency key however often it runs.</summary>
    public async Task<int> StepAsync(int step)
    {
        var activity = ActivityContext.Current ?? throw new InvalidOperationException("StepAsync runs only as an activity.");
        await ledger.RecordAsync(activity, step, activity.CancellationToken);
        // The reply of a real system takes a moment to come back: a kill in this window leaves the effect
        // applied but the activity not completed, which is exactly what idempotency keys are for.
        await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(1, 20)), activity.CancellationToken);
        return step;
    }
}
