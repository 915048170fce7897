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
/// <remarks>
/// The owning process holds an exclusive lock on the folder's <c>owner.lock</c> for the cluster's lifetime. A test
/// process that is killed, or ended before its exit handlers finish, leaves its cluster behind; the next start
/// finds such folders by their released lock, stops their server and deletes them, so test runs do not fill the disk.
/// </remarks>
public sealed class PostgresServer : IAsyncDisposable
{
    private const string BinDirectory = "/usr/lib/postgresql/15/bin";
    private const string FolderPrefix = "pg-test-";
    private const string LockFileName = "owner.lock";
    private static readonly Lazy<Task<PostgresServer>> SharedServer = new(StartSharedAsync);

    private readonly string _directory;
    private readonly FileStream _ownerLock;
    private readonly bool _durable;
    private int _databases;

    private PostgresServer(string directory, int port, bool durable)
    {
        _directory = directory;
        _ownerLock = LockFolder(directory) ?? throw new InvalidOperationException($"{directory} is locked by another process.");
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
        await DeleteAbandonedAsync(cancellationToken);
        var directory = Path.Combine(Path.GetTempPath(), FolderPrefix + Guid.NewGuid().ToString("N")[..12]);
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
        await StopServerAsync(DataDirectory, "fast", cancellationToken);
        NpgsqlConnection.ClearAllPools();
        await StartServerAsync(cancellationToken);
    }

    private Task StartServerAsync(CancellationToken cancellationToken)
    {
        var settings = $"-p {Port} -k {_directory} -c listen_addresses=127.0.0.1 -c max_connections=400 -c deadlock_timeout=50ms"
            + (_durable ? "" : " -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c wal_level=minimal -c max_wal_senders=0 -c max_wal_size=96MB");
        return RunAsync(Path.Combine(BinDirectory, "pg_ctl"),
            ["-D", DataDirectory, "-o", settings, "-l", Path.Combine(_directory, "server.log"), "-w", "-t", "60", "start"], Environment.IsPrivilegedProcess, cancellationToken);
    }

    private static Task StopServerAsync(string dataDirectory, string mode, CancellationToken cancellationToken) =>
        RunAsync(Path.Combine(BinDirectory, "pg_ctl"), ["-D", dataDirectory, "-m", mode, "-w", "-t", "60", "stop"], Environment.IsPrivilegedProcess, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await StopAndDeleteAsync(_directory, CancellationToken.None);
        NpgsqlConnection.ClearAllPools();
        await _ownerLock.DisposeAsync();
    }

    /// <summary>
    /// Hands the shutdown and deletion to a process of its own: the test runner kills the test process soon after its
    /// exit begins, before a shutdown awaited here would finish.
    /// </summary>
    private void StopAndDeleteAfterExit()
    {
        var stop = $"{Path.Combine(BinDirectory, "pg_ctl")} -D {DataDirectory} -m immediate -w -t 60 stop";
        var start = new ProcessStartInfo("sh") { UseShellExecute = false };
        foreach (var argument in new[] { "-c", $"{(Environment.IsPrivilegedProcess ? "runuser -u postgres -- " : "")}{stop} >/dev/null 2>&1; rm -rf {_directory}" })
        {
            start.ArgumentList.Add(argument);
        }
        Process.Start(start)?.Dispose();
    }

    /// <summary>
    /// Stops and deletes the clusters of test processes that are gone: their folder's lock is free and the folder is
    /// over a minute old (a folder just created has no lock yet).
    /// </summary>
    private static async Task DeleteAbandonedAsync(CancellationToken cancellationToken)
    {
        var createdBefore = DateTime.UtcNow - TimeSpan.FromMinutes(1);
        foreach (var directory in Directory.EnumerateDirectories(Path.GetTempPath(), FolderPrefix + "*"))
        {
            if (Directory.GetCreationTimeUtc(directory) > createdBefore)
            {
                continue;
            }
            var ownerLock = LockFolder(directory);
            if (ownerLock is null)
            {
                continue;
            }
            await using (ownerLock)
            {
                await StopAndDeleteAsync(directory, cancellationToken);
            }
        }
    }

    /// <summary>Takes the folder's exclusive lock, or returns null while its owner holds it.</summary>
    private static FileStream? LockFolder(string directory)
    {
        try
        {
            return new FileStream(Path.Combine(directory, LockFileName), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static async Task StopAndDeleteAsync(string directory, CancellationToken cancellationToken)
    {
        var dataDirectory = Path.Combine(directory, "data");
        if (File.Exists(Path.Combine(dataDirectory, "postmaster.pid")))
        {
            try
            {
                await StopServerAsync(dataDirectory, "immediate", cancellationToken);
            }
            catch (InvalidOperationException)
            {
                // Already stopped.
            }
        }
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
            // Deleted by another process's sweep, or still in use; the next sweep tries again.
        }
    }

    private static async Task<PostgresServer> StartSharedAsync()
    {
        var server = await StartAsync();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => server.StopAndDeleteAfterExit();
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
