using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Serialization;
using Confluent.Kafka;
using FoodOrdering.Host.Api;
using FoodOrdering.Kafka;

namespace FoodOrdering.EndToEnd.Tests;

/// <summary>
/// The host as a real process (its own embedded Kafka broker, SQLite files in a temporary folder), a Kafka producer
/// of this test process, and driver simulators as further processes. Disposing kills every process and deletes the folder.
/// </summary>
public sealed class FoodOrderingSystem : IAsyncDisposable
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };

    private readonly string _directory;
    private readonly List<ChildProcess> _simulators = [];
    private IProducer<string, string>? _producer;

    private FoodOrderingSystem(string directory, Uri baseAddress, ChildProcess host)
    {
        _directory = directory;
        BaseAddress = baseAddress;
        Host = host;
        Http = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };
    }

    public Uri BaseAddress { get; }

    public ChildProcess Host { get; }

    public HttpClient Http { get; }

    public string BootstrapServers { get; private set; } = "";

    /// <summary>Starts the host and waits until it answers and names its Kafka broker.</summary>
    public static async Task<FoodOrderingSystem> StartAsync()
    {
        var directory = Path.Combine(Path.GetTempPath(), "foodordering-e2e", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        var port = FreePort();
        var baseAddress = new Uri($"http://127.0.0.1:{port}/");
        var host = ChildProcess.Start("FoodOrdering.Host", ["--urls", baseAddress.ToString().TrimEnd('/')], new Dictionary<string, string>
        {
            ["Durable__StorePath"] = Path.Combine(directory, "durable.db"),
            ["FoodOrdering__DataDirectory"] = Path.Combine(directory, "data"),
            // The workflows reach the payment provider and the point of sale, and the kitchen calls back, over HTTP here.
            ["FoodOrdering__PublicBaseUrl"] = baseAddress.ToString(),
            // Empty: the host starts its own embedded broker and says where in /api/info.
            ["Kafka__BootstrapServers"] = "",
            ["Logging__LogLevel__Default"] = "Warning",
            ["DOTNET_ENVIRONMENT"] = "Production",
        });
        var system = new FoodOrderingSystem(directory, baseAddress, host);
        try
        {
            var info = await system.PollAsync(async ct =>
            {
                try
                {
                    return await system.Http.GetFromJsonAsync<HostInfo>("api/info", Json, ct);
                }
                catch (HttpRequestException)
                {
                    // Not listening yet.
                    return null;
                }
            }, i => i is not null || host.HasExited, "the host to answer /api/info");
            if (info is null)
            {
                throw new InvalidOperationException("The host exited during start.\n" + host.Output());
            }
            system.BootstrapServers = info.Kafka.BootstrapServers;
            return system;
        }
        catch
        {
            await system.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts <c>FoodOrdering.DriverSimulator drivers</c> against this host.</summary>
    public ChildProcess StartSimulator(params string[] arguments)
    {
        var simulator = ChildProcess.Start("FoodOrdering.DriverSimulator", ["drivers", "--app", BaseAddress.ToString(), .. arguments]);
        _simulators.Add(simulator);
        return simulator;
    }

    /// <summary>Publishes to a topic of the host's broker with a real Kafka producer (acknowledged by the broker).</summary>
    public async Task PublishAsync(string topic, string key, string value)
    {
        if (_producer is null)
        {
            KafkaNative.EnsureLoaded();
            _producer = new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = BootstrapServers, Acks = Acks.All, LingerMs = 1 }).Build();
        }
        await _producer.ProduceAsync(topic, new Message<string, string> { Key = key, Value = value });
    }

    /// <summary>Everything the processes said last, for a failure message.</summary>
    public string Diagnostics() => string.Join("\n", new[] { Host }.Concat(_simulators).Select(p => p.Output()));

    /// <summary>Asks until <paramref name="condition"/> holds; past the deadline, fails with the last answer and the processes' output.</summary>
    public Task<T> PollAsync<T>(Func<CancellationToken, Task<T>> probe, Func<T, bool> condition, string waitingFor, TimeSpan? limit = null,
        [CallerArgumentExpression(nameof(condition))] string? conditionText = null) =>
        Poll.UntilAsync(probe, condition, waitingFor, limit, Diagnostics, conditionText);

    internal static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        _producer?.Dispose();
        Http.Dispose();
        foreach (var simulator in _simulators)
        {
            simulator.Dispose();
        }
        Host.Dispose();
        await Task.Yield();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is harmless.
        }
    }
}
