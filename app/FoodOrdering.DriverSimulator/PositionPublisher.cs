using Confluent.Kafka;
using FoodOrdering.Kafka;

namespace FoodOrdering.DriverSimulator;

/// <summary>
/// The phones' Kafka producer for <c>driver-updates</c>. When a position cannot be delivered and the brokers came from
/// the host's /api/info, it asks the host again: a restarted host with an embedded broker has a new one, elsewhere,
/// and the phones move over to it instead of retrying a broker that is gone.
/// </summary>
internal sealed class PositionPublisher : IDisposable
{
    private const string Topic = "driver-updates";

    private readonly Func<CancellationToken, Task<string?>>? _discover;
    private readonly Lock _gate = new();
    private readonly List<IProducer<string, string>> _retired = [];
    private IProducer<string, string> _producer;
    private string _bootstrap;

    /// <param name="bootstrap">The brokers to start with.</param>
    /// <param name="discover">Asks the host for its brokers again; null when they were given explicitly (--kafka).</param>
    public PositionPublisher(string bootstrap, Func<CancellationToken, Task<string?>>? discover)
    {
        KafkaNative.EnsureLoaded();
        _bootstrap = bootstrap;
        _discover = discover;
        _producer = Build(bootstrap);
    }

    public string Bootstrap
    {
        get
        {
            lock (_gate)
            {
                return _bootstrap;
            }
        }
    }

    /// <summary>Publishes one position; on failure, moves to the host's current brokers if they changed, then throws for the caller to retry.</summary>
    /// <param name="token">The driver's shift token, sent as the record's <c>driver-token</c> header when the phone has one.</param>
    public async Task PublishAsync(string driverId, string value, string? token, CancellationToken cancellationToken)
    {
        IProducer<string, string> producer;
        lock (_gate)
        {
            producer = _producer;
        }
        // Traced (and sampled) like any producer's record, so a kept position's trace runs on into the host.
        using var span = KafkaTracing.StartSend(Topic, driverId);
        var headers = KafkaTracing.Inject(span);
        if (token is not null)
        {
            headers.Add("driver-token", System.Text.Encoding.UTF8.GetBytes(token));
        }
        try
        {
            await producer.ProduceAsync(Topic, new Message<string, string> { Key = driverId, Value = value, Headers = headers }, cancellationToken);
        }
        catch (KafkaException) when (_discover is not null && !cancellationToken.IsCancellationRequested)
        {
            await FollowTheHostAsync(producer, cancellationToken);
            throw;
        }
    }

    public void Flush(TimeSpan timeout)
    {
        lock (_gate)
        {
            _producer.Flush(timeout);
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _producer.Dispose();
            _retired.ForEach(p => p.Dispose());
        }
    }

    private async Task FollowTheHostAsync(IProducer<string, string> failed, CancellationToken cancellationToken)
    {
        string? current;
        try
        {
            current = await _discover!(cancellationToken);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or System.Text.Json.JsonException && !cancellationToken.IsCancellationRequested)
        {
            // The host is away too: the caller retries, and this asks again at the next failure.
            return;
        }
        lock (_gate)
        {
            // Another phone may have moved over already.
            if (current is not null && current != _bootstrap && ReferenceEquals(failed, _producer))
            {
                SimulatorConsole.Log($"Kafka moved from {_bootstrap} to {current} (the host restarted); publishing there.");
                // Kept until the end: its pending positions fail by their message timeout instead of hanging a phone.
                _retired.Add(_producer);
                _producer = Build(current);
                _bootstrap = current;
            }
        }
    }

    private static IProducer<string, string> Build(string bootstrap) =>
        // A position older than 10 s is worth less than the next one: fail it and move on rather than queue it longer.
        new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = bootstrap, LingerMs = 5, MessageTimeoutMs = 10_000 })
            .SetErrorHandler((_, e) => SimulatorConsole.Log($"Kafka: {e.Reason}{(e.IsFatal ? " (fatal)" : "; retrying")}"))
            .Build();
}
