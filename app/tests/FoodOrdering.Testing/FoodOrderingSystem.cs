using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Serialization;
using Confluent.Kafka;
using FoodOrdering.Host.Api;
using FoodOrdering.Kafka;

namespace FoodOrdering.Testing;

/// <summary>
/// The host as a real process (its own embedded Kafka broker, SQLite files in a temporary folder), a Kafka producer
/// of this test process, and driver simulators as further processes. Disposing kills every process and deletes the folder.
/// </summary>
public sealed class FoodOrderingSystem : IAsyncDisposable
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };

    private readonly string _directory;
    private readonly Dictionary<string, string> _hostEnvironment;
    private readonly List<ChildProcess> _simulators = [];
    private IProducer<string, string>? _producer;

    private FoodOrderingSystem(string directory, Uri baseAddress, Dictionary<string, string> hostEnvironment)
    {
        _directory = directory;
        _hostEnvironment = hostEnvironment;
        BaseAddress = baseAddress;
        Http = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };
        Host = StartHost();
    }

    public Uri BaseAddress { get; }

    /// <summary>The host process (another one after <see cref="StartHostAgainAsync"/>).</summary>
    public ChildProcess Host { get; private set; }

    public HttpClient Http { get; }

    public string BootstrapServers { get; private set; } = "";

    /// <summary>
    /// Starts the host and waits until it answers and names its Kafka broker. <paramref name="settings"/> adds to or
    /// overrides its configuration, as environment variables (<c>FoodOrdering__TimeScale</c>).
    /// </summary>
    public static async Task<FoodOrderingSystem> StartAsync(IReadOnlyDictionary<string, string>? settings = null)
    {
        var directory = Path.Combine(Path.GetTempPath(), "foodordering-e2e", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        var baseAddress = new Uri($"http://127.0.0.1:{FreePort()}/");
        var environment = new Dictionary<string, string>
        {
            ["Durable__StorePath"] = Path.Combine(directory, "durable.db"),
            ["FoodOrdering__DataDirectory"] = Path.Combine(directory, "data"),
            // The workflows reach the payment provider and the point of sale, and the kitchen calls back, over HTTP here.
            ["FoodOrdering__PublicBaseUrl"] = baseAddress.ToString(),
            // Empty: the host starts its own embedded broker and says where in /api/info.
            ["Kafka__BootstrapServers"] = "",
            ["Logging__LogLevel__Default"] = "Warning",
            ["DOTNET_ENVIRONMENT"] = "Production",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            environment[key] = value;
        }
        var system = new FoodOrderingSystem(directory, baseAddress, environment);
        try
        {
            await system.WaitForHostAsync();
            return system;
        }
        catch
        {
            await system.DisposeAsync();
            throw;
        }
    }

    /// <summary>SIGKILLs the host: a machine or a process dying, no shutdown code runs.</summary>
    public async Task KillHostAsync()
    {
        await Host.KillAsync();
        Host.Dispose();
        _producer?.Dispose();
        _producer = null;
    }

    /// <summary>
    /// Starts the host again after <see cref="KillHostAsync"/>, on the same port and files, and waits until it answers.
    /// Its embedded broker is a new one (messages live in memory only), on another port: <see cref="BootstrapServers"/> follows.
    /// </summary>
    public async Task StartHostAgainAsync()
    {
        Host = StartHost();
        await WaitForHostAsync();
    }

    /// <summary>The simulator's file of the drivers' shift tokens.</summary>
    public string DriverTokensPath => Path.Combine(_directory, "driver-tokens.json");

    /// <summary>Starts <c>FoodOrdering.DriverSimulator {mode}</c> (<c>drivers</c> or <c>customers</c>) against this host.</summary>
    public ChildProcess StartSimulator(string mode, params string[] arguments)
    {
        var simulator = ChildProcess.Start("FoodOrdering.DriverSimulator", [mode, "--app", BaseAddress.ToString(), .. mode == "drivers" ? ["--tokens", DriverTokensPath] : Array.Empty<string>(), .. arguments]);
        _simulators.Add(simulator);
        return simulator;
    }

    private ChildProcess StartHost() =>
        ChildProcess.Start("FoodOrdering.Host", ["--urls", BaseAddress.ToString().TrimEnd('/')], _hostEnvironment);

    private async Task WaitForHostAsync()
    {
        var host = Host;
        var info = await PollAsync(async ct =>
        {
            try
            {
                return await Http.GetFromJsonAsync<HostInfo>("api/info", Json, ct);
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
                return null;
            }
        }, i => i is not null || host.HasExited, "the host to answer /api/info");
        BootstrapServers = info?.Kafka.BootstrapServers ?? throw new InvalidOperationException("The host exited during start.\n" + host.Output());
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

    public static int FreePort()
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
