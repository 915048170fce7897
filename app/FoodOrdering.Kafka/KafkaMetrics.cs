using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Confluent.Kafka;

namespace FoodOrdering.Kafka;

/// <summary>The consumers' metrics: records handled and dead-lettered, and the lag behind each partition's end.</summary>
public static class KafkaMetrics
{
    public static readonly Meter Meter = new(KafkaTracing.SourceName, "1.0.0");

    private static readonly ConcurrentDictionary<(string Group, string Topic, int Partition), long> Lags = new();

    private static readonly Counter<long> Consumed = Meter.CreateCounter<long>("foodordering.kafka.consumed", description: "Records handled by a consumer, by topic.");
    private static readonly Counter<long> DeadLettered = Meter.CreateCounter<long>("foodordering.kafka.dead_lettered", description: "Records sent to a dead-letter topic, by source topic.");

    static KafkaMetrics()
    {
        Meter.CreateObservableGauge("foodordering.kafka.consumer.lag", ObserveLag, "{message}",
            "Records behind the end of the partition (high watermark) after the last one handled, by group, topic and partition.");
    }

    /// <summary>Records a handled record and, from the watermark the client last saw (no broker call), the lag it leaves.</summary>
    public static void RecordConsumed(IConsumer<string, string> consumer, ConsumeResult<string, string> record, string group)
    {
        Consumed.Add(1, new KeyValuePair<string, object?>("messaging.destination.name", record.Topic));
        var watermarks = consumer.GetWatermarkOffsets(record.TopicPartition);
        if (watermarks.High != Offset.Unset)
        {
            Lags[(group, record.Topic, record.Partition.Value)] = Math.Max(0, watermarks.High.Value - record.Offset.Value - 1);
        }
    }

    public static void RecordDeadLettered(string topic) =>
        DeadLettered.Add(1, new KeyValuePair<string, object?>("messaging.destination.name", topic));

    /// <summary>The largest lag over a topic's partitions, for summaries.</summary>
    public static IReadOnlyDictionary<string, long> LagByTopic() =>
        Lags.GroupBy(l => l.Key.Topic).ToDictionary(g => g.Key, g => g.Sum(l => l.Value), StringComparer.Ordinal);

    private static IEnumerable<Measurement<long>> ObserveLag() =>
        Lags.Select(l => new Measurement<long>(l.Value,
            new KeyValuePair<string, object?>("messaging.consumer.group.name", l.Key.Group),
            new KeyValuePair<string, object?>("messaging.destination.name", l.Key.Topic),
            new KeyValuePair<string, object?>("messaging.destination.partition.id", l.Key.Partition)));
}
