namespace Durable;

/// <summary>Serializable description of an error, as stored in history.</summary>
public sealed record ErrorInfo(string Type, string Message, string? StackTrace = null, bool NonRetryable = false)
{
    public static ErrorInfo From(Exception exception) => exception switch
    {
        ApplicationFailureException app => new(app.ErrorType, app.Message, app.StackTrace, app.NonRetryable),
        DurableFailureException durable => new(durable.GetType().Name, durable.Message, durable.StackTrace),
        _ => new(exception.GetType().FullName ?? exception.GetType().Name, exception.Message, exception.StackTrace),
    };

    public override string ToString() => $"{Type}: {Message}";
}

/// <summary>
/// Base of the failures that deliberately fail a workflow when not caught. Any other exception
/// escaping workflow code is treated as a bug: the workflow is parked as stuck and retried.
/// </summary>
public abstract class DurableFailureException : Exception
{
    protected DurableFailureException(string message, Exception? inner = null) : base(message, inner) { }
}

/// <summary>
/// A deliberate failure. Thrown by an activity it fails that attempt (never retried when
/// <see cref="NonRetryable"/>); thrown by a workflow it fails the workflow.
/// </summary>
public class ApplicationFailureException : DurableFailureException
{
    public ApplicationFailureException(string message, string? errorType = null, bool nonRetryable = false, Exception? inner = null)
        : base(message, inner)
    {
        ErrorType = errorType ?? nameof(ApplicationFailureException);
        NonRetryable = nonRetryable;
    }

    public string ErrorType { get; }
    public bool NonRetryable { get; }
}

/// <summary>An activity failed after its last attempt (or with a non-retryable error).</summary>
public sealed class ActivityFailedException(string activityName, int sequence, ErrorInfo error)
    : DurableFailureException($"Activity '{activityName}' (#{sequence}) failed: {error}")
{
    public string ActivityName { get; } = activityName;
    public int Sequence { get; } = sequence;
    public ErrorInfo Error { get; } = error;
}

/// <summary>A child workflow closed without completing successfully.</summary>
public sealed class ChildWorkflowFailedException(string workflowId, ErrorInfo error)
    : DurableFailureException($"Child workflow '{workflowId}' failed: {error}")
{
    public string WorkflowId { get; } = workflowId;
    public ErrorInfo Error { get; } = error;
}

/// <summary>A signal wait ran out of time.</summary>
public sealed class SignalTimeoutException(string signalName, TimeSpan timeout)
    : DurableFailureException($"No '{signalName}' signal arrived within {timeout}.")
{
    public string SignalName { get; } = signalName;
    public TimeSpan Timeout { get; } = timeout;
}

/// <summary>A signal sent from a workflow could not be delivered (the target is not running).</summary>
public sealed class ExternalSignalFailedException(string workflowId, string signalName, string reason)
    : DurableFailureException($"Signal '{signalName}' to workflow '{workflowId}' was not delivered: {reason}")
{
    public string WorkflowId { get; } = workflowId;
}

/// <summary>Replayed code issued a different command than the history holds.</summary>
public sealed class NonDeterminismException(string message) : Exception(message);

/// <summary>Client side: the awaited workflow closed without a result.</summary>
public sealed class WorkflowFailedException(string workflowId, WorkflowStatus status, ErrorInfo? error)
    : Exception($"Workflow '{workflowId}' ended {status}{(error is null ? "" : $": {error}")}")
{
    public string WorkflowId { get; } = workflowId;
    public WorkflowStatus Status { get; } = status;
    public ErrorInfo? Error { get; } = error;
}

public sealed class WorkflowNotFoundException(string workflowId, string? detail = null)
    : Exception($"Workflow '{workflowId}' {detail ?? "was not found"}.")
{
    public string WorkflowId { get; } = workflowId;
}

public sealed class WorkflowAlreadyStartedException(string workflowId, string runId)
    : Exception($"Workflow '{workflowId}' is already running (run {runId}).")
{
    public string WorkflowId { get; } = workflowId;
    public string RunId { get; } = runId;
}

/// <summary>Thrown by workflow code (<c>throw context.ContinueAsNew(input)</c>) to restart with fresh history.</summary>
public sealed class ContinueAsNewException : Exception
{
    internal ContinueAsNewException(string inputJson) : base("The workflow continues as new.") => InputJson = inputJson;

    internal string InputJson { get; }
}
