using System.ComponentModel.DataAnnotations;

namespace FoodOrdering.Kafka;

/// <summary>Configuration section "Kafka".</summary>
public sealed class KafkaOptions
{
    public const string SectionName = "Kafka";

    /// <summary>A real cluster's bootstrap servers; when empty the embedded broker starts in-process.</summary>
    public string? BootstrapServers { get; set; }

    [Required]
    public string OrdersTopic { get; set; } = "orders";

    [Required]
    public string DriverUpdatesTopic { get; set; } = "driver-updates";

    /// <summary>Appended to a topic's name for its dead-letter topic.</summary>
    [Required]
    public string DeadLetterSuffix { get; set; } = ".dlq";

    /// <summary>Consumer group of order intake; driver positions are consumed as group "{ConsumerGroup}.{DriverUpdatesTopic}".</summary>
    [Required]
    public string ConsumerGroup { get; set; } = "food-ordering";

    /// <summary>Partitions of the topics the embedded broker creates.</summary>
    [Range(1, 64)]
    public int Partitions { get; set; } = 4;

    /// <summary>Brokers of the embedded cluster.</summary>
    [Range(1, 5)]
    public int EmbeddedBrokers { get; set; } = 1;

    /// <summary>
    /// How long the group coordinator waits for a consumer that stopped heartbeating (a killed host) before handing its
    /// partitions to the others; heartbeats go every third of it. Several hosts in one group want it short.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:05:00")]
    public TimeSpan SessionTimeout { get; set; } = TimeSpan.FromSeconds(45);

    /// <summary>Start the consumers in this process.</summary>
    public bool ConsumersEnabled { get; set; } = true;

    /// <summary>Positions on "driver-updates" must carry the driver's shift token in the "driver-token" header (false: accept the demo's plain producers).</summary>
    public bool RequireDriverTokens { get; set; } = true;

    /// <summary>Records with a longer value go to the dead-letter topic unread.</summary>
    [Range(256, 10_000_000)]
    public int MaxRecordChars { get; set; } = 64 * 1024;

    /// <summary>
    /// Records a consumer hands to the engine together: what has arrived, up to this many, is made durable side by side
    /// (records of one key in order) and their offsets are stored after all of them; 1 (the default) handles one record
    /// at a time. Each record handled side by side holds a store connection and starts work in the host at once, so a
    /// larger batch raises intake on a quiet SQLite host (the end-to-end benchmark runs with 32) but has starved hosts
    /// sharing PostgreSQL under faults (256 exhausted the connection pool; 32 still left hosts unanswering in the
    /// three-host chaos test on a quiet machine).
    /// </summary>
    [Range(1, 64)]
    public int HandleBatchSize { get; set; } = 1;

    public string DeadLetter(string topic) => topic + DeadLetterSuffix;
}
