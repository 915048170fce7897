using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace FoodOrdering.Kafka;

/// <summary>Hostile or broken Kafka input, counted on the same meter as the host's refused HTTP requests.</summary>
public static class KafkaMetrics
{
    public const string MeterName = "FoodOrdering.Security";

    private static readonly Meter Meter = new(MeterName);
    private static readonly Counter<long> DeadLetters = Meter.CreateCounter<long>("foodordering.kafka.dead_lettered", "{record}",
        "Kafka records sent to a dead-letter topic because they were invalid, too large or unauthenticated.");

    public static void DeadLettered(string topic) => DeadLetters.Add(1, new TagList { { "messaging.destination.name", topic } });
}
