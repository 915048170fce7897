using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Confluent.Kafka;
using FoodOrdering.Kafka;

namespace FoodOrdering.Chaos.Tests;

/// <summary>
/// The system under chaos: an embedded Kafka cluster of several brokers in this test process (with its fault
/// injection), the hosts as real processes sharing one store, the driver simulator as a further process, and a
/// Kafka producer for the orders. Disposing stops every process and the cluster and deletes the folder.
/// </summary>
public sealed class ChaosSystem : IAsyncDisposable
{
    public const int KafkaBrokers = 3;
    public const string DriverPrefix = "chaos";

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };

    private readonly List<ChildProcess> _simulators = [];
    private readonly IProducer<string, string> _producer;

    private ChaosSystem(string directory, EmbeddedKafkaBroker kafka, IReadOnlyList<HostProcess> hosts, double timeScale)
    {
        Directory = directory;
        Kafka = kafka;
        Hosts = hosts;
        TimeScale = timeScale;
        _producer = new ProducerBuilder<string, string>(new ProducerConfig
        {
            BootstrapServers = kafka.BootstrapServers, Acks = Acks.All, LingerMs = 2, EnableIdempotence = false, MessageTimeoutMs = 120_000,
            // A request to a broker taken down is given up (and retried) after seconds, not after librdkafka's minute.
            RequestTimeoutMs = 5_000, SocketTimeoutMs = 5_000,
        }).Build();
    }

    public string Directory { get; }

    public EmbeddedKafkaBroker Kafka { get; }

    public IReadOnlyList<HostProcess> Hosts { get; }

    public double TimeScale { get; }

    /// <summary>
    /// Starts the Kafka cluster with the system's topics and <paramref name="hosts"/> hosts configured by
    /// <paramref name="storeEnvironment"/> (per host number: the engine's and the domain's store).
    /// </summary>
    public static ChaosSystem Start(int hosts, double timeScale, Func<int, string, IReadOnlyDictionary<string, string>> storeEnvironment)
    {
        var directory = Path.Combine(Path.GetTempPath(), "foodordering-chaos", Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(directory);
        var kafka = EmbeddedKafkaBroker.Start(KafkaBrokers);
        foreach (var topic in new[] { "orders", "driver-updates" })
        {
            kafka.CreateTopic(topic, partitions: 4, replicationFactor: KafkaBrokers);
            kafka.CreateTopic(topic + ".dlq", partitions: 1, replicationFactor: KafkaBrokers);
        }
        // Every host runs on one scaled clock from one epoch, so hosts (and a host after its restart) agree on the time.
        var epoch = DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture);
        // One operator for every host: the tests cancel orders and audit through whichever host answers.
        var operatorToken = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(24));
        var processes = Enumerable.Range(1, hosts).Select(n =>
        {
            var environment = new Dictionary<string, string>
            {
                ["Kafka__BootstrapServers"] = kafka.BootstrapServers,
                // A killed host's partitions go to the others (or to its own restart) after this, not after 45 s.
                ["Kafka__SessionTimeout"] = "00:00:03",
                ["FoodOrdering__TimeScale"] = timeScale.ToString(CultureInfo.InvariantCulture),
                ["FoodOrdering__TimeScaleEpoch"] = epoch,
                ["Durable__PollInterval"] = "00:00:00.250",
                ["Logging__LogLevel__Default"] = "Warning",
                ["DOTNET_ENVIRONMENT"] = "Production",
                ["Security__OperatorToken"] = operatorToken,
            };
            foreach (var (key, value) in storeEnvironment(n, directory))
            {
                environment[key] = value;
            }
            return new HostProcess(n, environment);
        }).ToList();
        var system = new ChaosSystem(directory, kafka, processes, timeScale);
        foreach (var host in processes)
        {
            host.Start();
        }
        return system;
    }

    /// <summary>Waits until every host answers /health.</summary>
    public Task WaitHealthyAsync(TimeSpan limit) =>
        Poll.UntilAsync(async ct => (await Task.WhenAll(Hosts.Select(h => h.IsHealthyAsync(ct)))).All(ok => ok), "every host to answer /health", limit, Diagnostics);

    /// <summary>
    /// The drivers' phones: one simulator per host, each with its share of the drivers against that host (phones reach
    /// different hosts, as behind a load balancer; while a host is down its phones retry it). Positions go to the Kafka cluster.
    /// </summary>
    public IReadOnlyList<ChildProcess> StartDrivers(int drivers, TimeSpan tick) =>
    [
        .. Hosts.Select(host => ChildProcess.Start("FoodOrdering.DriverSimulator",
        [
            "drivers", "--app", host.BaseAddress.ToString(), "--kafka", Kafka.BootstrapServers,
            "-n", (drivers / Hosts.Count + (host.Number <= drivers % Hosts.Count ? 1 : 0)).ToString(CultureInfo.InvariantCulture),
            "--prefix", $"{DriverPrefix}-{host.Number}", "--speed", "100", "--tick", tick.ToString("c", CultureInfo.InvariantCulture), "--pause", "00:00:01",
            "--tokens", Path.Combine(Directory, $"driver-tokens-{host.Number}.json"),
        ])).Select(simulator =>
        {
            _simulators.Add(simulator);
            return simulator;
        }),
    ];

    /// <summary>Publishes an order to "orders" (acknowledged by the cluster; retried by the producer while a broker is down).</summary>
    public Task PublishAsync(string key, string value) => _producer.ProduceAsync("orders", new Message<string, string> { Key = key, Value = value });

    /// <summary>Every process's last output, for failure messages.</summary>
    public string Diagnostics() => string.Join("\n", Hosts.Select(h => h.Output()).Concat(_simulators.Select(s => s.Output())));

    public async ValueTask DisposeAsync()
    {
        foreach (var simulator in _simulators)
        {
            simulator.Dispose();
        }
        foreach (var host in Hosts)
        {
            host.Dispose();
        }
        // librdkafka's teardown waits on its threads (a producer with records for a broker that is down, the mock
        // cluster's brokers): bounded, so a stuck teardown leaves threads behind in a test process about to end instead
        // of hanging the run after its verdict.
        await DisposeWithinAsync(_producer.Dispose);
        await DisposeWithinAsync(Kafka.Dispose);
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is harmless.
        }
    }

    private static async Task DisposeWithinAsync(Action dispose)
    {
        try
        {
            await Task.Run(dispose).WaitAsync(TimeSpan.FromSeconds(30));
        }
        catch (TimeoutException)
        {
            // Left to the end of the process.
        }
    }
}
