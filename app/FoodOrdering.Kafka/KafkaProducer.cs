using Confluent.Kafka;

namespace FoodOrdering.Kafka;

/// <summary>The process's one producer: idempotent, acknowledged by all replicas, trace context in the headers.</summary>
public sealed class KafkaProducer : IDisposable
{
    private readonly IProducer<string, string> _producer;

    public KafkaProducer(KafkaCluster cluster)
    {
        _producer = new ProducerBuilder<string, string>(new ProducerConfig
        {
            BootstrapServers = cluster.BootstrapServers,
            Acks = Acks.All,
            EnableIdempotence = true,
            LingerMs = 1,
            MessageTimeoutMs = 30_000,
        }).Build();
    }

    public async Task<DeliveryResult<string, string>> ProduceAsync(string topic, string key, string value, Headers? headers = null, CancellationToken cancellationToken = default)
    {
        using var activity = KafkaTracing.StartSend(topic, key);
        var result = await _producer.ProduceAsync(topic, new Message<string, string> { Key = key, Value = value, Headers = KafkaTracing.Inject(activity, headers) }, cancellationToken);
        activity?.SetTag("messaging.destination.partition.id", result.Partition.Value.ToString(System.Globalization.CultureInfo.InvariantCulture));
        activity?.SetTag("messaging.kafka.offset", result.Offset.Value);
        return result;
    }

    public void Dispose()
    {
        _producer.Flush(TimeSpan.FromSeconds(5));
        _producer.Dispose();
    }
}
