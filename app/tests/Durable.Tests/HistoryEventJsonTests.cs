using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Durable.Tests;

/// <summary>The stored form of a history event: what the hand-written converter writes and reads.</summary>
public sealed class HistoryEventJsonTests
{
    /// <summary>The settings of the generated serializer the converter replaces, resolved by reflection: how earlier versions stored events.</summary>
    private static readonly JsonSerializerOptions Reflection = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter() },
        TypeInfoResolver = new DefaultJsonTypeInfoResolver(),
    };

    /// <summary>The same with the relaxed escaper events are stored with now.</summary>
    private static readonly JsonSerializerOptions Relaxed = new(Reflection) { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static TheoryData<HistoryEvent> Events() => [.. Samples()];

    private static List<HistoryEvent> Samples()
    {
        var at = new DateTimeOffset(2026, 11, 21, 12, 30, 15, 123, TimeSpan.Zero).AddTicks(4567);
        var data = new List<HistoryEvent>();
        foreach (var type in Enum.GetValues<HistoryEventType>())
        {
            data.Add(new HistoryEvent { EventId = 42, Type = type, Timestamp = at });
        }
        data.Add(new HistoryEvent
        {
            EventId = long.MaxValue, Type = HistoryEventType.ActivityFailed, Timestamp = at.ToOffset(TimeSpan.FromHours(2)), Sequence = 7,
            Name = "Kitchen.Prepare \"quoted\" é", Payload = """{"a":[1,2,"<x>"]}""", Error = new ErrorInfo("System.TimeoutException", "late\nagain", "at X()", NonRetryable: true),
            Target = "order-1", TraceParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", Options = """{"startToClose":"00:00:05"}""",
        });
        data.Add(new HistoryEvent { Type = HistoryEventType.ActivityCompleted, Sequence = -1, Error = new ErrorInfo("E", "m") });
        return data;
    }

    [Theory]
    [MemberData(nameof(Events))]
    public void SerializeEvent_AnyEvent_WritesWhatTheGeneratedSerializerWritesWithTheRelaxedEscaper(HistoryEvent e)
    {
        var json = DurableJson.SerializeEvent(e);

        Assert.Equal(JsonSerializer.Serialize(e, Relaxed), json);
        Assert.Equal(e, DurableJson.DeserializeEvent(json));
        Assert.Equal(e, JsonSerializer.Deserialize<HistoryEvent>(json, Reflection));
    }

    [Theory]
    [MemberData(nameof(Events))]
    public void DeserializeEvent_EventStoredWithTheDefaultEscaper_ReadsTheSameEvent(HistoryEvent e)
    {
        Assert.Equal(e, DurableJson.DeserializeEvent(JsonSerializer.Serialize(e, Reflection)));
    }

    [Fact]
    public void SerializeEvent_JsonPayload_EscapesItsQuotesInTwoCharacters()
    {
        var e = new HistoryEvent { Type = HistoryEventType.SignalReceived, Name = "s", Payload = """{"lat":52.37,"name":"Café <&>"}""" };

        var json = DurableJson.SerializeEvent(e);

        Assert.Contains("""
            "payload":"{\"lat\":52.37,\"name\":\"Café <&>\"}"
            """, json, StringComparison.Ordinal);
        Assert.Equal(e, DurableJson.DeserializeEvent(json));
    }

    [Fact]
    public void Samples_FullyPopulatedEvent_SetsEveryPropertyOfHistoryEvent()
    {
        // The converter is written by hand: a property added to HistoryEvent must be set here, so that the round trip
        // above fails until the converter writes and reads it too.
        var full = Samples().Single(e => e.EventId == long.MaxValue);

        var unset = typeof(HistoryEvent).GetProperties()
            .Where(p => p.CanWrite && Equals(p.GetValue(full), p.PropertyType.IsValueType ? Activator.CreateInstance(p.PropertyType) : null))
            .Select(p => p.Name);

        Assert.Empty(unset);
    }

    [Fact]
    public void DeserializeEvent_OtherCaseNumericTypeAndUnknownProperties_ReadsTheKnownOnes()
    {
        var e = DurableJson.DeserializeEvent("""
            {"EVENTID":3,"Type":20,"4":"x","extra":{"nested":[1,{"x":null}]},"sequence":2,"NAME":"pay","payload":null,"later":true}
            """);

        Assert.Equal(new HistoryEvent { EventId = 3, Type = HistoryEventType.ActivityScheduled, Sequence = 2, Name = "pay" }, e);
        Assert.Equal(HistoryEventType.TimerFired, DurableJson.DeserializeEvent("""{"type":"timerFired"}""").Type);
    }

    [Theory]
    [InlineData("""{"eventId":1}""")]
    [InlineData("""{"type":"NoSuchEvent"}""")]
    [InlineData("""{"type":null}""")]
    [InlineData("""[1]""")]
    public void DeserializeEvent_NoOrUnknownType_ThrowsJsonException(string json) =>
        Assert.Throws<JsonException>(() => DurableJson.DeserializeEvent(json));

    [Fact]
    public void ToJsonFromJson_RecordedHistory_RoundTripsThroughTheConverter()
    {
        var history = Samples();

        Assert.Equal(history, Testing.WorkflowReplayer.FromJson(Testing.WorkflowReplayer.ToJson(history)));
    }
}
