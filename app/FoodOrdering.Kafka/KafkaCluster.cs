using Microsoft.Extensions.Options;

namespace FoodOrdering.Kafka;

/// <summary>The Kafka cluster in use: the configured one, or the embedded broker started here with its topics.</summary>
public sealed class KafkaCluster : IDisposable
{
    private readonly EmbeddedKafkaBroker? _embedded;

    public KafkaCluster(IOptions<KafkaOptions> options)
    {
        KafkaNative.EnsureLoaded();
        var o = options.Value;
        if (string.IsNullOrWhiteSpace(o.BootstrapServers))
        {
            _embedded = EmbeddedKafkaBroker.Start(o.EmbeddedBrokers);
            foreach (var topic in new[] { o.OrdersTopic, o.DriverUpdatesTopic })
            {
                _embedded.CreateTopic(topic, o.Partitions, o.EmbeddedBrokers);
                _embedded.CreateTopic(o.DeadLetter(topic), 1, o.EmbeddedBrokers);
            }
            BootstrapServers = _embedded.BootstrapServers;
        }
        else
        {
            BootstrapServers = o.BootstrapServers;
        }
    }

    public string BootstrapServers { get; }

    public bool IsEmbedded => _embedded is not null;

    /// <summary>The embedded broker, for fault injection in tests; null with a real cluster.</summary>
    public EmbeddedKafkaBroker? Embedded => _embedded;

    public void Dispose() => _embedded?.Dispose();
}
