using System.Collections.Concurrent;
using System.Text;
using Confluent.Kafka;

namespace FoodOrdering.Tests.Fuzzing;

/// <summary>
/// Follows dead-letter topics from their beginning while a test runs and keeps each record's reason (empty when it has
/// none). It reads as the records come: the embedded broker keeps only about 5 MB per partition, so reading them all at
/// the end would miss the oldest.
/// </summary>
internal sealed class DeadLetterReader : IDisposable
{
    private const string ReasonHeader = "dlq-reason";

    private readonly ConcurrentQueue<string> _reasons = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _reading;

    public DeadLetterReader(string bootstrapServers, IReadOnlyList<string> topics)
    {
        var consumer = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig
        {
            BootstrapServers = bootstrapServers, GroupId = "dead-letter-reader-" + Guid.NewGuid().ToString("N"), EnableAutoCommit = false,
        }).Build();
        // Assigned rather than subscribed: no group rebalance to wait for, and every dead-letter topic has one partition.
        consumer.Assign(topics.Select(t => new TopicPartitionOffset(t, 0, Offset.Beginning)));
        _reading = Task.Factory.StartNew(() => Read(consumer), TaskCreationOptions.LongRunning);
    }

    /// <summary>The reasons read so far, in the order of their topics.</summary>
    public IReadOnlyList<string> Reasons => [.. _reasons];

    private void Read(IConsumer<Ignore, Ignore> consumer)
    {
        using (consumer)
        {
            while (!_stop.IsCancellationRequested)
            {
                if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is { Message: { } message })
                {
                    _reasons.Enqueue(message.Headers.TryGetLastBytes(ReasonHeader, out var reason) ? Encoding.UTF8.GetString(reason) : "");
                }
            }
            consumer.Close();
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _reading.Wait(TimeSpan.FromSeconds(10));
        _stop.Dispose();
    }
}
