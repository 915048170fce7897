using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
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

    /// <summary>
    /// A stored event: written by its converter straight into this thread's buffer (no serializer state per event), with the
    /// relaxed escaper, so the JSON payload it carries as a string escapes each quote as \" rather than \u0022 (payloads are
    /// mostly quotes and names; the stored event is read back by a JSON reader, never placed in HTML).
    /// </summary>
    internal static string SerializeEvent(HistoryEvent e)
    {
        var buffer = t_eventBuffer ??= new ArrayBufferWriter<byte>(1024);
        var writer = t_eventWriter ??= new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true });
        try
        {
            HistoryEventJsonConverter.Instance.Write(writer, e, Options);
            writer.Flush();
            return Encoding.UTF8.GetString(buffer.WrittenSpan);
        }
        finally
        {
            if (buffer.Capacity > MaxKeptEventBuffer)
            {
                // An event with a large payload: its buffer is not kept for the thread's life.
                t_eventBuffer = null;
                t_eventWriter = null;
            }
            else
            {
                buffer.ResetWrittenCount();
                writer.Reset();
            }
        }
    }

    private const int MaxKeptEventBuffer = 64 * 1024;

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_eventBuffer;

    [ThreadStatic]
    private static Utf8JsonWriter? t_eventWriter;

    internal static HistoryEvent DeserializeEvent(string json) => JsonSerializer.Deserialize(json, DurableJsonContext.Default.HistoryEvent)!;

    private static JsonSerializerOptions CreateOptions()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        options.Converters.Add(new JsonStringEnumConverter());
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, UseStringEnumConverter = true,
    Converters = [typeof(HistoryEventJsonConverter)])]
[JsonSerializable(typeof(HistoryEvent))]
[JsonSerializable(typeof(ErrorInfo))]
[JsonSerializable(typeof(List<HistoryEvent>))]
[JsonSerializable(typeof(ActivityOptions))]
[JsonSerializable(typeof(List<BufferedSignal>))]
internal sealed partial class DurableJsonContext : JsonSerializerContext;

/// <summary>A signal the workflow has received but no wait has consumed yet.</summary>
public sealed record BufferedSignal(string Name, string? Payload);

/// <summary>
/// Reads and writes <see cref="HistoryEvent"/> as the generated serializer would (camelCase, enum as
/// string, nulls and a zero sequence left out), without its cost: the source generator builds
/// init-only properties through a boxed argument array, which made reading an event allocate more
/// than reflection does. Unknown properties are skipped; names match case-insensitively.
/// </summary>
internal sealed class HistoryEventJsonConverter : JsonConverter<HistoryEvent>
{
    public static readonly HistoryEventJsonConverter Instance = new();

    public override HistoryEvent Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException($"Expected a history event object, found {reader.TokenType}.");
        }
        long eventId = 0;
        HistoryEventType? type = null;
        DateTimeOffset timestamp = default;
        var sequence = 0;
        string? name = null, payload = null, target = null, traceParent = null, eventOptions = null;
        ErrorInfo? error = null;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            var property = PropertyOf(ref reader);
            reader.Read();
            switch (property)
            {
                case Property.EventId: eventId = reader.GetInt64(); break;
                case Property.Type: type = ReadType(ref reader); break;
                case Property.Timestamp: timestamp = reader.GetDateTimeOffset(); break;
                case Property.Sequence: sequence = reader.GetInt32(); break;
                case Property.Name: name = reader.GetString(); break;
                case Property.Payload: payload = reader.GetString(); break;
                case Property.Error: error = JsonSerializer.Deserialize(ref reader, DurableJsonContext.Default.ErrorInfo); break;
                case Property.Target: target = reader.GetString(); break;
                case Property.TraceParent: traceParent = reader.GetString(); break;
                case Property.Options: eventOptions = reader.GetString(); break;
                default: reader.Skip(); break;
            }
        }
        return new HistoryEvent
        {
            EventId = eventId,
            Type = type ?? throw new JsonException("A history event has no 'type'."),
            Timestamp = timestamp,
            Sequence = sequence,
            Name = name,
            Payload = payload,
            Error = error,
            Target = target,
            TraceParent = traceParent,
            Options = eventOptions,
        };
    }

    public override void Write(Utf8JsonWriter writer, HistoryEvent value, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        writer.WriteNumber("eventId"u8, value.EventId);
        writer.WriteString("type"u8, TypeNames[value.Type]);
        writer.WriteString("timestamp"u8, value.Timestamp);
        if (value.Sequence != 0)
        {
            writer.WriteNumber("sequence"u8, value.Sequence);
        }
        WriteIfSet(writer, "name"u8, value.Name);
        WriteIfSet(writer, "payload"u8, value.Payload);
        if (value.Error is not null)
        {
            writer.WritePropertyName("error"u8);
            JsonSerializer.Serialize(writer, value.Error, DurableJsonContext.Default.ErrorInfo);
        }
        WriteIfSet(writer, "target"u8, value.Target);
        WriteIfSet(writer, "traceParent"u8, value.TraceParent);
        WriteIfSet(writer, "options"u8, value.Options);
        writer.WriteEndObject();
    }

    private enum Property { Unknown, EventId, Type, Timestamp, Sequence, Name, Payload, Error, Target, TraceParent, Options }

    private static readonly Dictionary<HistoryEventType, string> TypeNames =
        Enum.GetValues<HistoryEventType>().ToDictionary(t => t, t => t.ToString());

    private static void WriteIfSet(Utf8JsonWriter writer, ReadOnlySpan<byte> name, string? value)
    {
        if (value is not null)
        {
            writer.WriteString(name, value);
        }
    }

    private static Property PropertyOf(ref Utf8JsonReader reader)
    {
        if (reader.ValueTextEquals("eventId"u8)) return Property.EventId;
        if (reader.ValueTextEquals("type"u8)) return Property.Type;
        if (reader.ValueTextEquals("timestamp"u8)) return Property.Timestamp;
        if (reader.ValueTextEquals("sequence"u8)) return Property.Sequence;
        if (reader.ValueTextEquals("name"u8)) return Property.Name;
        if (reader.ValueTextEquals("payload"u8)) return Property.Payload;
        if (reader.ValueTextEquals("error"u8)) return Property.Error;
        if (reader.ValueTextEquals("target"u8)) return Property.Target;
        if (reader.ValueTextEquals("traceParent"u8)) return Property.TraceParent;
        if (reader.ValueTextEquals("options"u8)) return Property.Options;
        // Another spelling of a known name (the web defaults match case-insensitively), or a name this version does not know.
        var name = reader.GetString();
        return !string.IsNullOrEmpty(name) && char.IsAsciiLetter(name[0]) && Enum.TryParse<Property>(name, ignoreCase: true, out var property)
            ? property
            : Property.Unknown;
    }

    private static HistoryEventType ReadType(ref Utf8JsonReader reader) => reader.TokenType switch
    {
        JsonTokenType.Number => (HistoryEventType)reader.GetInt32(),
        JsonTokenType.String when Enum.TryParse<HistoryEventType>(reader.GetString(), ignoreCase: true, out var type) => type,
        _ => throw new JsonException($"A history event's 'type' is not a known event type (a {reader.TokenType} token)."),
    };
}
