using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace FoodOrdering.Domain.Storage;

/// <summary>Where the simulated external systems (payment ledger, kitchens) keep their state.</summary>
public enum DomainStore
{
    /// <summary>A SQLite file per system: one process.</summary>
    Sqlite,

    /// <summary>Tables in a PostgreSQL database: several hosts share them.</summary>
    Postgres,
}

/// <summary>
/// A connection factory over SQLite or PostgreSQL with one SQL dialect for both: parameters are written
/// <c>@name</c>, upserts <c>ON CONFLICT</c>, and the few places that differ ask <see cref="IsPostgres"/>.
/// Connections are pooled; open one per operation.
/// The synchronous methods are for what runs once at start-up (creating the tables, reading the host's secrets);
/// anything serving requests or running in a loop uses the asynchronous ones, so that no thread-pool thread waits
/// on the database.
/// </summary>
public sealed class DomainDatabase : IDisposable
{
    private readonly string? _sqliteConnectionString;
    private readonly NpgsqlDataSource? _postgres;

    private DomainDatabase(string? sqliteConnectionString, NpgsqlDataSource? postgres, string description)
    {
        _sqliteConnectionString = sqliteConnectionString;
        _postgres = postgres;
        Description = description;
    }

    public bool IsPostgres => _postgres is not null;

    /// <summary>The file or the database (without credentials), for logs and errors.</summary>
    public string Description { get; }

    public static DomainDatabase Sqlite(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var connectionString = new SqliteConnectionStringBuilder { DataSource = path, Pooling = true, DefaultTimeout = 30 }.ToString();
        var database = new DomainDatabase(connectionString, null, path);
        using var connection = database.Open();
        database.Execute(connection, "PRAGMA journal_mode=WAL");
        return database;
    }

    public static DomainDatabase Postgres(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        return new DomainDatabase(null, NpgsqlDataSource.Create(builder), $"{builder.Host}:{builder.Port}/{builder.Database}");
    }

    /// <summary>SQLite at <paramref name="sqlitePath"/>, or PostgreSQL at <paramref name="connectionString"/>.</summary>
    public static DomainDatabase Open(DomainStore store, string sqlitePath, string? connectionString) => store switch
    {
        DomainStore.Sqlite => Sqlite(sqlitePath),
        DomainStore.Postgres when !string.IsNullOrWhiteSpace(connectionString) => Postgres(connectionString),
        DomainStore.Postgres => throw new InvalidOperationException("The PostgreSQL store needs a connection string."),
        _ => throw new ArgumentOutOfRangeException(nameof(store), store, "Unknown store."),
    };

    /// <summary>
    /// Set on every SQLite connection, pooled or new. NORMAL: in WAL mode a commit survives the process dying (not the
    /// machine) without an fsync each. busy_timeout: a writer waits for another one in SQLite's own short steps (1, 2,
    /// 5 ms ...); without it Microsoft.Data.Sqlite retries a busy statement every 150 ms.
    /// </summary>
    private const string SqliteConnectionPragmas = "PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=30000";

    public DbConnection Open()
    {
        if (_postgres is not null)
        {
            return _postgres.OpenConnection();
        }
        var connection = new SqliteConnection(_sqliteConnectionString);
        connection.Open();
        using var pragmas = Command(connection, SqliteConnectionPragmas, null);
        pragmas.ExecuteNonQuery();
        return connection;
    }

    public async Task<DbConnection> OpenAsync(CancellationToken cancellationToken = default)
    {
        if (_postgres is not null)
        {
            return await _postgres.OpenConnectionAsync(cancellationToken);
        }
        var connection = new SqliteConnection(_sqliteConnectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            await using var pragmas = Command(connection, SqliteConnectionPragmas, null);
            await pragmas.ExecuteNonQueryAsync(cancellationToken);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>A transaction that takes SQLite's write lock at once (no upgrade deadlocks); PostgreSQL's default otherwise.</summary>
    public static ValueTask<DbTransaction> BeginWriteAsync(DbConnection connection, CancellationToken cancellationToken = default) =>
        connection is SqliteConnection sqlite
            ? ValueTask.FromResult<DbTransaction>(sqlite.BeginTransaction(deferred: false))
            : connection.BeginTransactionAsync(cancellationToken);

    /// <summary>
    /// Creates the tables (<paramref name="schema"/> is idempotent DDL both databases accept): on PostgreSQL under an
    /// advisory lock, so hosts starting together never race on the catalog.
    /// </summary>
    public void Migrate(string name, string schema)
    {
        // A host may start before its database, or while it restarts: it waits for it (about two minutes) rather than dying.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                MigrateOnce(name, schema);
                return;
            }
            catch (NpgsqlException ex) when (ex.IsTransient && attempt < 30)
            {
                Thread.Sleep(TimeSpan.FromSeconds(Math.Min(5, attempt)));
            }
        }
    }

    private void MigrateOnce(string name, string schema)
    {
        using var connection = Open();
        if (!IsPostgres)
        {
            Execute(connection, schema);
            return;
        }
        using var tx = connection.BeginTransaction();
        Execute(connection, "SELECT pg_advisory_xact_lock(hashtext(@name))", tx, ("@name", "foodordering-schema:" + name));
        Execute(connection, schema, tx);
        tx.Commit();
    }

    public DbCommand Command(DbConnection connection, string sql, DbTransaction? transaction, params (string Name, object? Value)[] parameters)
    {
        var cmd = connection.CreateCommand();
        cmd.CommandText = sql;
        cmd.Transaction = transaction;
        foreach (var (name, value) in parameters)
        {
            var parameter = cmd.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value ?? DBNull.Value;
            cmd.Parameters.Add(parameter);
        }
        return cmd;
    }

    public int Execute(DbConnection connection, string sql, params (string Name, object? Value)[] parameters) =>
        Execute(connection, sql, null, parameters);

    public int Execute(DbConnection connection, string sql, DbTransaction? transaction, params (string Name, object? Value)[] parameters)
    {
        using var cmd = Command(connection, sql, transaction, parameters);
        return cmd.ExecuteNonQuery();
    }

    public Task<int> ExecuteAsync(DbConnection connection, string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters) =>
        ExecuteAsync(connection, sql, null, cancellationToken, parameters);

    public async Task<int> ExecuteAsync(DbConnection connection, string sql, DbTransaction? transaction, CancellationToken cancellationToken,
        params (string Name, object? Value)[] parameters)
    {
        await using var cmd = Command(connection, sql, transaction, parameters);
        return await cmd.ExecuteNonQueryAsync(cancellationToken);
    }

    public object? Scalar(DbConnection connection, string sql, DbTransaction? transaction, params (string Name, object? Value)[] parameters)
    {
        using var cmd = Command(connection, sql, transaction, parameters);
        return cmd.ExecuteScalar();
    }

    public async Task<object?> ScalarAsync(DbConnection connection, string sql, DbTransaction? transaction, CancellationToken cancellationToken,
        params (string Name, object? Value)[] parameters)
    {
        await using var cmd = Command(connection, sql, transaction, parameters);
        return await cmd.ExecuteScalarAsync(cancellationToken);
    }

    /// <summary>Reads every row with <paramref name="read"/>.</summary>
    public async Task<List<T>> QueryAsync<T>(DbConnection connection, string sql, DbTransaction? transaction, Func<DbDataReader, T> read,
        CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        await using var cmd = Command(connection, sql, transaction, parameters);
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        var rows = new List<T>();
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(read(reader));
        }
        return rows;
    }

    public void Dispose() => _postgres?.Dispose();
}
