using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Durable;
using FoodOrdering.Benchmarks.Workflows;

namespace FoodOrdering.Benchmarks.Micro;

/// <summary>
/// One history event as the stores write and read it: the engine's own converter (written straight into a
/// per-thread buffer; read through the source-generated <c>DurableJsonContext</c>), against the reflection-based
/// serializer with the same settings and the same relaxed escaper (the baseline).
/// The events are the first 100 of a recorded courier history, so every event type of a real run is in the mix.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class HistoryEventSerializationBenchmarks
{
    /// <summary>The context's settings, resolved by reflection: what the engine would do without source generation.</summary>
    private static readonly JsonSerializerOptions Reflection = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter() },
        TypeInfoResolver = new DefaultJsonTypeInfoResolver(),
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private IReadOnlyList<HistoryEvent> _events = [];
    private string[] _stored = [];

    [GlobalSetup]
    public void Setup()
    {
        _events = RecordedHistories.GetAsync(100).GetAwaiter().GetResult();
        _stored = RecordedHistories.ToStoredJson(_events);
    }

    [Benchmark(Baseline = true, Description = "reflection")]
    [BenchmarkCategory("serialize")]
    public int SerializeReflection()
    {
        var length = 0;
        foreach (var e in _events)
        {
            length += JsonSerializer.Serialize(e, Reflection).Length;
        }
        return length;
    }

    [Benchmark(Description = "source-generated")]
    [BenchmarkCategory("serialize")]
    public int SerializeSourceGenerated()
    {
        var length = 0;
        foreach (var e in _events)
        {
            length += DurableJson.SerializeEvent(e).Length;
        }
        return length;
    }

    [Benchmark(Baseline = true, Description = "reflection")]
    [BenchmarkCategory("deserialize")]
    public long DeserializeReflection()
    {
        var sum = 0L;
        foreach (var json in _stored)
        {
            sum += JsonSerializer.Deserialize<HistoryEvent>(json, Reflection)!.EventId;
        }
        return sum;
    }

    [Benchmark(Description = "source-generated")]
    [BenchmarkCategory("deserialize")]
    public long DeserializeSourceGenerated()
    {
        var sum = 0L;
        foreach (var json in _stored)
        {
            sum += DurableJson.DeserializeEvent(json).EventId;
        }
        return sum;
    }
}

/// <summary>
/// A workflow payload (a driver's position, as a signal carries it) through <see cref="DurableJson"/>,
/// which resolves user types by reflection; baseline: a source-generated context for the same type
/// and settings, the floor the payload path could reach.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class PayloadSerializationBenchmarks
{
    private static readonly DriverPosition Position = new("driver-7", 52.5201, 13.4049, new DateTimeOffset(2026, 11, 21, 12, 0, 0, TimeSpan.Zero));
    private static readonly string Json = DurableJson.Serialize(Position);

    [Benchmark(Baseline = true, Description = "source-generated context")]
    [BenchmarkCategory("serialize")]
    public string SerializeSourceGenerated() => JsonSerializer.Serialize(Position, PayloadJsonContext.Default.DriverPosition);

    [Benchmark(Description = "DurableJson.Options")]
    [BenchmarkCategory("serialize")]
    public string SerializeDurableJson() => DurableJson.Serialize(Position);

    [Benchmark(Baseline = true, Description = "source-generated context")]
    [BenchmarkCategory("deserialize")]
    public DriverPosition DeserializeSourceGenerated() => JsonSerializer.Deserialize(Json, PayloadJsonContext.Default.DriverPosition)!;

    [Benchmark(Description = "DurableJson.Options")]
    [BenchmarkCategory("deserialize")]
    public DriverPosition DeserializeDurableJson() => DurableJson.Deserialize<DriverPosition>(Json);
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, UseStringEnumConverter = true)]
[JsonSerializable(typeof(DriverPosition))]
internal sealed partial class PayloadJsonContext : JsonSerializerContext;
