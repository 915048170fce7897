using System.Text.Json;
using System.Text.Json.Serialization;

namespace Durable;

/// <summary>The one JSON dialect of payloads (inputs, results, signals, statuses) and of stored events.</summary>
public static class DurableJson
{
    public static readonly JsonSerializerOptions Options = CreateOptions();

    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, Options);

    public static string Serialize(object? value, Type type) => JsonSerializer.Serialize(value, type, Options);

    public static T Deserialize<T>(string? json) => json is null ? default! : JsonSerializer.Deserialize<T>(json, Options)!;

    public static object? Deserialize(string? json, Type type) => json is null ? null : JsonSerializer.Deserialize(json, type, Options);

    internal static string SerializeEvent(HistoryEvent e) => JsonSerializer.Serialize(e, DurableJsonContext.Default.HistoryEvent);

    internal static HistoryEvent DeserializeEvent(string json) => JsonSerializer.Deserialize(json, DurableJsonContext.Default.HistoryEvent)!;

    private static JsonSerializerOptions CreateOptions()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        options.Converters.Add(new JsonStringEnumConverter());
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, UseStringEnumConverter = true)]
[JsonSerializable(typeof(HistoryEvent))]
[JsonSerializable(typeof(List<HistoryEvent>))]
[JsonSerializable(typeof(ActivityOptions))]
[JsonSerializable(typeof(List<BufferedSignal>))]
internal sealed partial class DurableJsonContext : JsonSerializerContext;

/// <summary>A signal the workflow has received but no wait has consumed yet.</summary>
public sealed record BufferedSignal(string Name, string? Payload);
