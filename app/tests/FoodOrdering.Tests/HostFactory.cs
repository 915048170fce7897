using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace FoodOrdering.Tests;

/// <summary>
/// The real host on a real socket (Kestrel on 127.0.0.1), its own SQLite files in a temporary folder that is
/// deleted afterwards, and its own embedded Kafka broker. A socket, not the in-memory TestServer, because the
/// order workflow's activities reach the payment provider and the point of sale over HTTP at the public base
/// URL, and the kitchen calls the app back there.
/// </summary>
public sealed class HostFactory : WebApplicationFactory<Program>
{
    /// <summary>The bearer token of <see cref="TokenRestaurant"/>'s "prepared" callback in every test host.</summary>
    public const string RestaurantToken = "test-token-bites";
    public const string TokenRestaurant = "bites_n_bytes";

    /// <summary>The operator's bearer token in every test host.</summary>
    public const string OperatorToken = "test-operator-token";

    private readonly Dictionary<string, string?> _settings;

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "foodordering-tests", Guid.NewGuid().ToString("N"));

    public HostFactory() : this(new Dictionary<string, string?>())
    {
    }

    /// <param name="settings">Configuration on top of the test defaults (limits of a security test, say).</param>
    internal HostFactory(Dictionary<string, string?> settings)
    {
        _settings = settings;
        Port = FreePort();
        UseKestrel(Port);
    }

    public int Port { get; }

    /// <summary>http://127.0.0.1:{port}/</summary>
    public Uri BaseAddress => new($"http://127.0.0.1:{Port}/");

    public string StorePath => Path.Combine(_directory, "durable.db");

    /// <summary>Services a test adds to the host (span processors, for one).</summary>
    public Action<IServiceCollection>? ConfigureServices { get; init; }

    /// <summary>A client of the running host (started on first use); it acts as the operator unless <paramref name="asOperator"/> is false.</summary>
    public HttpClient CreateHttpClient(bool asOperator = true)
    {
        StartServer();
        var client = CreateClient();
        client.BaseAddress = BaseAddress;
        if (asOperator)
        {
            client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", OperatorToken);
        }
        return client;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        // Also as host settings: Program reads some (the time scale) while it wires services, before app configuration is in.
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }
        // App configuration, not UseSetting: appsettings.json is read after host settings and would win over them.
        builder.ConfigureServices(services => ConfigureServices?.Invoke(services)).ConfigureAppConfiguration((_, configuration) => configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Security:OperatorToken"] = OperatorToken,
            ["Urls"] = BaseAddress.ToString(),
            ["Durable:StorePath"] = StorePath,
            ["FoodOrdering:DataDirectory"] = Path.Combine(_directory, "data"),
            ["FoodOrdering:PublicBaseUrl"] = BaseAddress.ToString(),
            [$"FoodOrdering:RestaurantTokens:{TokenRestaurant}"] = RestaurantToken,
            // Empty: this host starts its own embedded broker, so hosts of parallel test classes never share topics.
            ["Kafka:BootstrapServers"] = "",
            // The host's own logs would drown the test results; warnings and errors still show.
            ["Logging:LogLevel:Default"] = "Warning",
        }.Concat(_settings).GroupBy(s => s.Key).ToDictionary(g => g.Key, g => g.Last().Value)));
    }

    /// <summary>A port nobody listens on now. Another process could take it before Kestrel binds; on a test machine that is rare enough.</summary>
    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
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
