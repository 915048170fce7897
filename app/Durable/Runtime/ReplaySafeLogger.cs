using Microsoft.Extensions.Logging;

namespace Durable.Runtime;

/// <summary>Drops log entries while the workflow replays, so each line is written once per run.</summary>
internal sealed class ReplaySafeLogger(ILogger inner, WorkflowInstance instance) : ILogger
{
    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => inner.BeginScope(state);

    public bool IsEnabled(LogLevel logLevel) => !instance.IsReplaying && inner.IsEnabled(logLevel);

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (!instance.IsReplaying)
        {
            inner.Log(logLevel, eventId, state, exception, formatter);
        }
    }
}
