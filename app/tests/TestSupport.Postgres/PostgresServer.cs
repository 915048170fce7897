using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace TestSupport.Postgres;

/// <summary>
/// A throwaway PostgreSQL 15 cluster: initdb into a temporary folder, a server on a free port with its unix socket
/// in that folder, databases created on demand; stopped and deleted on dispose. PostgreSQL refuses to run as root,
/// so as root the cluster belongs to (and runs as) the <c>postgres</c> OS user.
/// </summary>
public sealed class PostgresServer : IAsyncDisposable
{
    private const string BinDirectory = "/usr/lib/postgresql/15/bin";
    private static readonly Lazy<Task<PostgresServer>> SharedServer = new(StartSharedAsync);

    private readonly string _directory;
    private readonly bool _durable;
    private int _databases;

    private PostgresServer(string directory, int port, bool durable)
    {
        _directory = directory;
        Port = port;
        _durable = durable;
    }

    public int Port { get; }

    /// <summary>The folder holding the server's unix socket (the connection strings' Host).</summary>
    public string SocketDirectory => _directory;

    private string DataDirectory => Path.Combine(_directory, "data");

    /// <summary>The administrative connection string (database <c>postgres</c>).</summary>
    public string ConnectionString => ConnectionStringFor("postgres");

    /// <summary>One server for the whole test process, started on first use and stopped when the process exits.</summary>
    public static Task<PostgresServer> SharedAsync() => SharedServer.Value;

    /// <param name="durable">Keep PostgreSQL's crash safety (fsync); off by default, as tests do not survive power loss anyway.</param>
    public static async Task<PostgresServer> StartAsync(bool durable = false, CancellationToken cancellationToken = default)
    {
        if (!File.Exists(Path.Combine(BinDirectory, "initdb")))
        {
            throw new InvalidOperationException($"PostgreSQL 15 is not installed ({BinDirectory}/initdb is missing): apt-get install -y postgresql");
        }
        var directory = Path.Combine(Path.GetTempPath(), "pg-test-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(directory);
        var server = new PostgresServer(directory, FreePort(), durable);
        try
        {
            if (Environment.IsPrivilegedProcess)
            {
                await RunAsync("chown", ["-R", "postgres:postgres", directory], asPostgres: false, cancellationToken);
            }
            await RunAsync(Path.Combine(BinDirectory, "initdb"),
                ["-D", server.DataDirectory, "-U", "postgres", "--auth=trust", "--encoding=UTF8", "--no-locale", "--no-sync"], Environment.IsPrivilegedProcess, cancellationToken);
            await server.StartServerAsync(cancellationToken);
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    public string ConnectionStringFor(string database) => new NpgsqlConnectionStringBuilder
    {
        Host = _directory,
        Port = Port,
        Username = "postgres",
        Database = database,
    }.ConnectionString;

    /// <summary>Creates an empty database and returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync(string? name = null, CancellationToken cancellationToken = default)
    {
        name ??= $"test_{Interlocked.Increment(ref _databases)}_{Guid.NewGuid().ToString("N")[..8]}";
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var cmd = new NpgsqlCommand($"CREATE DATABASE \"{name.Replace("\"", "\"\"", StringComparison.Ordinal)}\"", connection);
        await cmd.ExecuteNonQueryAsync(cancellationToken);
        return ConnectionStringFor(name);
    }

    /// <summary>Stops the server (fast shutdown: clients are disconnected) and starts it again on the same port and data.</summary>
    public async Task RestartAsync(CancellationToken cancellationToken = default)
    {
        await StopServerAsync("fast", cancellationToken);
        NpgsqlConnection.ClearAllPools();
        await StartServerAsync(cancellationToken);
    }

    private Task StartServerAsync(CancellationToken cancellationToken)
    {
        var settings = $"-p {Port} -k {_directory} -c listen_addresses=127.0.0.1 -c max_connections=400 -c deadlock_timeout=50ms"
            + (_durable ? "" : " -c fsync=off -c synchronous_commit=off -c full_page_writes=off");
        return RunAsync(Path.Combine(BinDirectory, "pg_ctl"),
            ["-D", DataDirectory, "-o", settings, "-l", Path.Combine(_directory, "server.log"), "-w", "-t", "60", "start"], Environment.IsPrivilegedProcess, cancellationToken);
    }

    private Task StopServerAsync(string mode, CancellationToken cancellationToken) =>
        RunAsync(Path.Combine(BinDirectory, "pg_ctl"), ["-D", DataDirectory, "-m", mode, "-w", "-t", "60", "stop"], Environment.IsPrivilegedProcess, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        if (File.Exists(Path.Combine(DataDirectory, "postmaster.pid")))
        {
            try
            {
                await StopServerAsync("immediate", CancellationToken.None);
            }
            catch (InvalidOperationException)
            {
                // Already stopped.
            }
        }
        NpgsqlConnection.ClearAllPools();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is harmless.
        }
    }

    private static async Task<PostgresServer> StartSharedAsync()
    {
        var server = await StartAsync();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => server.DisposeAsync().AsTask().GetAwaiter().GetResult();
        return server;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task RunAsync(string file, IReadOnlyList<string> arguments, bool asPostgres, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(asPostgres ? "runuser" : file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (asPostgres)
        {
            foreach (var argument in new[] { "-u", "postgres", "--", file })
            {
                start.ArgumentList.Add(argument);
            }
        }
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {file}.");
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{Path.GetFileName(file)} {string.Join(' ', arguments)} failed ({process.ExitCode}): {await error}{await output}");
        }
    }
}
