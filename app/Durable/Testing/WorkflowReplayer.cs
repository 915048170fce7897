using Durable.Runtime;
using Microsoft.Extensions.Logging.Abstractions;

namespace Durable.Testing;

/// <summary>
/// Re-runs recorded histories against the current workflow code, to catch changes that would break
/// running workflows before they are deployed. Throws <see cref="NonDeterminismException"/> on a mismatch.
/// </summary>
public static class WorkflowReplayer
{
    public static void Replay<TWorkflow>(IReadOnlyList<HistoryEvent> history, string workflowId = "replay", string runId = "replay")
        where TWorkflow : class, new() => Replay(typeof(TWorkflow), history, workflowId, runId);

    public static void Replay(Type workflowType, IReadOnlyList<HistoryEvent> history, string workflowId = "replay", string runId = "replay")
    {
        var instance = new WorkflowInstance(WorkflowNames.CreateDefinition(workflowType), workflowId, runId, NullLogger.Instance);
        instance.Replay(history);
    }

    /// <summary>Reads a history exported with <see cref="ToJson"/>.</summary>
    public static IReadOnlyList<HistoryEvent> FromJson(string json) =>
        System.Text.Json.JsonSerializer.Deserialize(json, DurableJsonContext.Default.ListHistoryEvent) ?? [];

    public static string ToJson(IReadOnlyList<HistoryEvent> history) =>
        System.Text.Json.JsonSerializer.Serialize(history.ToList(), DurableJsonContext.Default.ListHistoryEvent);
}
