namespace Durable;

/// <summary>
/// A durable workflow: ordinary async code whose every step is recorded and replayed.
/// Code in a workflow may only await the <see cref="WorkflowContext"/>; clocks, randomness,
/// threads and I/O go through the context or through activities.
/// </summary>
public abstract class Workflow<TInput, TResult>
{
    public abstract Task<TResult> RunAsync(WorkflowContext context, TInput input);
}

/// <summary>Overrides the registered name of a workflow class (the class name by default).</summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class WorkflowNameAttribute(string name) : Attribute
{
    public string Name { get; } = name;
}

/// <summary>Overrides the registered name of an activity method (Class.Method without "Async" by default).</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class ActivityNameAttribute(string name) : Attribute
{
    public string Name { get; } = name;
}

public enum WorkflowStatus
{
    Running = 0,
    Completed = 1,
    Failed = 2,
    Canceled = 3,
    Terminated = 4,
    ContinuedAsNew = 5,
}

/// <summary>What starting a workflow id does when a closed run already has that id.</summary>
public enum WorkflowIdReusePolicy
{
    /// <summary>Return the closed run; nothing new starts. Makes at-least-once intake exactly-once in effect.</summary>
    ReturnExisting = 0,
    /// <summary>Start a new run whatever the closed run's outcome.</summary>
    AllowDuplicate = 1,
    /// <summary>Start a new run only if the closed run did not complete successfully.</summary>
    AllowDuplicateFailedOnly = 2,
}

/// <summary>What starting a workflow id does when a run with that id is still running.</summary>
public enum WorkflowIdConflictPolicy
{
    /// <summary>Return the running run.</summary>
    UseExisting = 0,
    /// <summary>Throw <see cref="WorkflowAlreadyStartedException"/>.</summary>
    Fail = 1,
}

/// <summary>What happens to a child when its parent closes first.</summary>
public enum ParentClosePolicy
{
    Terminate = 0,
    RequestCancel = 1,
    Abandon = 2,
}

public sealed record StartWorkflowOptions
{
    public WorkflowIdReusePolicy IdReusePolicy { get; init; } = WorkflowIdReusePolicy.ReturnExisting;
    public WorkflowIdConflictPolicy IdConflictPolicy { get; init; } = WorkflowIdConflictPolicy.UseExisting;
    /// <summary>Start the workflow later instead of now (a durable start delay).</summary>
    public TimeSpan? StartDelay { get; init; }
}

public sealed record ChildWorkflowOptions
{
    public ParentClosePolicy ParentClosePolicy { get; init; } = ParentClosePolicy.Terminate;
}

/// <summary>Retry policy of an activity; the defaults are Temporal's.</summary>
public sealed record RetryPolicy
{
    public static readonly RetryPolicy Default = new();

    public TimeSpan InitialInterval { get; init; } = TimeSpan.FromSeconds(1);
    public double BackoffCoefficient { get; init; } = 2.0;
    /// <summary>Cap on the interval between attempts; null means 100 times <see cref="InitialInterval"/>.</summary>
    public TimeSpan? MaximumInterval { get; init; }
    /// <summary>0 means unlimited.</summary>
    public int MaximumAttempts { get; init; }
    /// <summary>Exception type names (short or full) that are never retried.</summary>
    public IReadOnlyList<string> NonRetryableErrorTypes { get; init; } = [];

    public TimeSpan DelayBeforeAttempt(int nextAttempt)
    {
        var cap = MaximumInterval ?? InitialInterval * 100;
        var factor = Math.Pow(BackoffCoefficient, Math.Max(0, nextAttempt - 2));
        var delay = TimeSpan.FromTicks((long)Math.Min(InitialInterval.Ticks * factor, cap.Ticks));
        return delay < TimeSpan.Zero ? TimeSpan.Zero : delay;
    }
}

public sealed record ActivityOptions
{
    public static readonly ActivityOptions Default = new();

    public TimeSpan StartToCloseTimeout { get; init; } = TimeSpan.FromMinutes(5);
    public RetryPolicy RetryPolicy { get; init; } = RetryPolicy.Default;
}
