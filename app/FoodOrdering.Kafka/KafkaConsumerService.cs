using System.Text;
using Confluent.Kafka;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FoodOrdering.Kafka;

/// <summary>What a handler decided about one record.</summary>
public readonly record struct RecordOutcome(string? RejectReason)
{
    public static readonly RecordOutcome Accepted = new(null);

    public static RecordOutcome Rejected(string reason) => new(reason);
}

/// <summary>
/// A consumer on its own thread: a record's offset is stored only after its handler made the work
/// durable (at-least-once; workflow ids make it exactly-once in effect). Bad records go to the
/// dead-letter topic with the reason in a header; failures of our own side are retried, never skipped.
/// </summary>
public abstract partial class KafkaConsumerService(KafkaCluster cluster, KafkaProducer producer, IOptions<KafkaOptions> options, ILogger logger)
    : BackgroundService
{
    private long _consumed;
    private long _deadLettered;

    protected KafkaOptions Options { get; } = options.Value;

    protected abstract string Topic { get; }

    /// <summary>
    /// The consumer group; one per consumer, so one consumer's join or leave never makes the other stop and rejoin
    /// (on librdkafka's embedded mock cluster such a two-member rebalance could stall intake for the whole session timeout).
    /// </summary>
    protected virtual string GroupId => Options.ConsumerGroup;

    public long Consumed => Interlocked.Read(ref _consumed);
    public long DeadLettered => Interlocked.Read(ref _deadLettered);

    protected abstract Task<RecordOutcome> HandleAsync(ConsumeResult<string, string> record, CancellationToken cancellationToken);

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Options.ConsumersEnabled
            ? Task.Factory.StartNew(() => RunAsync(stoppingToken), stoppingToken, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap()
            : Task.CompletedTask;

    private async Task RunAsync(CancellationToken stoppingToken)
    {
        using var consumer = new ConsumerBuilder<string, string>(new ConsumerConfig
        {
            BootstrapServers = cluster.BootstrapServers,
            GroupId = GroupId,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = true,
            EnableAutoOffsetStore = false,
            AutoCommitIntervalMs = 200,
            FetchWaitMaxMs = 10,
            SessionTimeoutMs = (int)Options.SessionTimeout.TotalMilliseconds,
            HeartbeatIntervalMs = (int)Math.Max(100, Options.SessionTimeout.TotalMilliseconds / 3),
        })
        .SetErrorHandler((_, error) =>
        {
            if (error.IsFatal)
            {
                LogFatal(Topic, error.Reason);
            }
            else
            {
                LogTransient(Topic, error.Reason);
            }
        })
        .Build();
        consumer.Subscribe(Topic);
        LogStarted(Topic, GroupId, cluster.BootstrapServers);
        var batch = new List<ConsumeResult<string, string>>(Options.HandleBatchSize);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                // Wait for one record, then take what has already arrived as well (without waiting), up to the batch size.
                batch.Clear();
                while (batch.Count < Options.HandleBatchSize && Next(consumer, batch.Count == 0, stoppingToken) is { } record)
                {
                    batch.Add(record);
                }
                if (batch.Count == 0)
                {
                    continue;
                }
                // Records of one key stay in order (one driver's positions); different keys are made durable side by side,
                // so intake waits for one store commit per batch rather than one per record.
                await Task.WhenAll(batch.GroupBy(r => r.Message.Key ?? "", StringComparer.Ordinal).Select(key => ProcessInOrderAsync(key, stoppingToken)));
                foreach (var record in batch)
                {
                    Interlocked.Increment(ref _consumed);
                    KafkaMetrics.RecordConsumed(consumer, record, GroupId);
                    try
                    {
                        consumer.StoreOffset(record);
                    }
                    catch (KafkaException ex) when (ex.Error.Code == ErrorCode.Local_State)
                    {
                        // A rebalance took the partition away while the record was handled (another host joined or one died):
                        // its new owner gets the record again, which is harmless (workflow ids make it idempotent).
                        LogPartitionLost(Topic, record.Partition.Value, record.Offset.Value);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
        finally
        {
            // Commits the stored offsets and leaves the group at once, so a restart does not wait for a rebalance.
            consumer.Close();
        }
    }

    /// <summary>The next record: waiting for it when <paramref name="wait"/>, else only one that has already arrived; null when none.</summary>
    private ConsumeResult<string, string>? Next(IConsumer<string, string> consumer, bool wait, CancellationToken stoppingToken)
    {
        try
        {
            var record = wait ? consumer.Consume(stoppingToken) : consumer.Consume(TimeSpan.Zero);
            return record?.Message is null ? null : record;
        }
        catch (ConsumeException ex) when (!ex.Error.IsFatal)
        {
            LogTransient(Topic, ex.Error.Reason);
            return null;
        }
    }

    private async Task ProcessInOrderAsync(IEnumerable<ConsumeResult<string, string>> records, CancellationToken stoppingToken)
    {
        foreach (var record in records)
        {
            await ProcessAsync(record, stoppingToken);
        }
    }

    private async Task ProcessAsync(ConsumeResult<string, string> record, CancellationToken stoppingToken)
    {
        using var activity = KafkaTracing.StartProcess(record, GroupId);
        var delay = TimeSpan.FromMilliseconds(100);
        while (true)
        {
            RecordOutcome outcome;
            try
            {
                outcome = record.Message.Value switch
                {
                    null => RecordOutcome.Rejected("The record has no value."),
                    { Length: var length } when length > Options.MaxRecordChars =>
                        RecordOutcome.Rejected($"The record's value has {length} characters; at most {Options.MaxRecordChars} are accepted."),
                    _ => await HandleAsync(record, stoppingToken),
                };
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                // Our side failed (store busy, disk full): the record is fine, so try again rather than lose it.
                LogHandlerFailed(ex, record.Topic, record.Partition.Value, record.Offset.Value, delay);
                await Task.Delay(delay, stoppingToken);
                delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 10_000));
                continue;
            }
            if (outcome.RejectReason is { } reason)
            {
                activity?.SetTag("foodordering.dead_letter.reason", reason);
                await DeadLetterAsync(record, reason, stoppingToken);
            }
            return;
        }
    }

    private async Task DeadLetterAsync(ConsumeResult<string, string> record, string reason, CancellationToken stoppingToken)
    {
        var headers = new Headers
        {
            { "dlq-reason", Encoding.UTF8.GetBytes(reason) },
            { "dlq-source-topic", Encoding.UTF8.GetBytes(record.Topic) },
            { "dlq-source-partition", Encoding.UTF8.GetBytes(record.Partition.Value.ToString(System.Globalization.CultureInfo.InvariantCulture)) },
            { "dlq-source-offset", Encoding.UTF8.GetBytes(record.Offset.Value.ToString(System.Globalization.CultureInfo.InvariantCulture)) },
        };
        await producer.ProduceAsync(Options.DeadLetter(record.Topic), record.Message.Key ?? "", record.Message.Value ?? "", headers, stoppingToken);
        Interlocked.Increment(ref _deadLettered);
        KafkaMetrics.RecordDeadLettered(record.Topic);
        LogDeadLettered(record.Topic, record.Partition.Value, record.Offset.Value, reason);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Consuming {Topic} as group {Group} from {Servers}")]
    private partial void LogStarted(string topic, string group, string servers);

    [LoggerMessage(Level = LogLevel.Critical, Message = "Fatal Kafka error on {Topic}: {Reason}")]
    private partial void LogFatal(string topic, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Kafka error on {Topic} (retrying): {Reason}")]
    private partial void LogTransient(string topic, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Handling {Topic}[{Partition}]@{Offset} failed; retrying in {Delay}")]
    private partial void LogHandlerFailed(Exception exception, string topic, int partition, long offset, TimeSpan delay);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Topic}[{Partition}] was reassigned while its record @{Offset} was handled; its new owner handles it again")]
    private partial void LogPartitionLost(string topic, int partition, long offset);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dead-lettered {Topic}[{Partition}]@{Offset}: {Reason}")]
    private partial void LogDeadLettered(string topic, int partition, long offset, string reason);
}
