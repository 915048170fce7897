using System.Threading.Channels;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Durable.Storage;

/// <summary>
/// The single writer of a SQLite store with group commit: every write waiting when a transaction
/// starts joins it, one failing write does not fail the others, and the whole batch pays for one commit.
/// It holds its own connection, opened without SQLite's per-connection mutex (only this thread uses it):
/// a statement makes about ten calls into SQLite, and each took and released that mutex.
/// </summary>
internal sealed class SqliteWriter : IAsyncDisposable
{
    /// <summary>The writer thread's name (its first 15 characters are what the operating system shows).</summary>
    public const string ThreadName = "durable-sqlite-writer";
    private const int MaxBatch = 512;

    /// <summary>
    /// The connection's lookaside memory, where SQLite takes its small allocations from before it asks malloc (which takes
    /// a process-wide mutex for SQLite's memory statistics). With SQLite's default of about 120 slots, 84 % of the writer's
    /// allocations missed it (782,000 in 32,000 transitions); a busy batch uses about 300 slots.
    /// </summary>
    private const int LookasideSlotSize = 1200, LookasideSlots = 1024;
    private readonly Channel<IWrite> _queue = Channel.CreateUnbounded<IWrite>(new() { SingleReader = true });
    private readonly sqlite3 _db;
    private readonly Dictionary<string, RawStatement> _statements = [];
    private readonly Thread _thread;
    private readonly Action<WriteEffects> _afterCommit;

    public SqliteWriter(string path, Action<WriteEffects> afterCommit)
    {
        _afterCommit = afterCommit;
        Batteries_V2.Init();
        var rc = raw.sqlite3_open_v2(path, out _db, raw.SQLITE_OPEN_READWRITE | raw.SQLITE_OPEN_CREATE | raw.SQLITE_OPEN_NOMUTEX, null);
        if (rc != raw.SQLITE_OK)
        {
            var message = _db is null ? raw.sqlite3_errstr(rc).utf8_to_string() : raw.sqlite3_errmsg(_db).utf8_to_string();
            _db?.Dispose();
            throw new SqliteException($"SQLite Error {rc}: cannot open '{path}': {message}", rc);
        }
        RawStatement.Check(_db, raw.sqlite3_db_config(_db, raw.SQLITE_DBCONFIG_LOOKASIDE, IntPtr.Zero, LookasideSlotSize, LookasideSlots));
        Exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000; PRAGMA foreign_keys=OFF; PRAGMA wal_autocheckpoint=4000;");
        _thread = new Thread(Run) { IsBackground = true, Name = ThreadName };
        _thread.Start();
    }

    public long BatchesCommitted { get; private set; }
    public long WritesCommitted { get; private set; }

    /// <summary>SQL statements run by the writes, committed or not (a batch that runs again counts twice).</summary>
    public long StatementsRun { get; private set; }

    public Task<T> WriteAsync<T>(Func<WriteScope, T> work)
    {
        var write = new Write<T>(work);
        if (!_queue.Writer.TryWrite(write))
        {
            throw new ObjectDisposedException(nameof(SqliteWriter), "The store is closed.");
        }
        return write.Completion.Task;
    }

    private void Exec(string sql) => RawStatement.Check(_db, raw.sqlite3_exec(_db, sql));

    private void Run()
    {
        var batch = new List<IWrite>(MaxBatch);
        var reader = _queue.Reader;
        while (reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
        {
            batch.Clear();
            while (batch.Count < MaxBatch && reader.TryRead(out var write))
            {
                batch.Add(write);
            }
            if (batch.Count == 0)
            {
                continue;
            }
            // Optimistic first: the whole batch in one transaction without savepoints (two statements fewer per write). A write that
            // throws (a stale activation, a duplicate start) undoes the batch, which then runs again with a savepoint around each write.
            var effects = new WriteEffects();
            if (!TryCommit(batch, effects, isolated: false))
            {
                effects = new WriteEffects();
                if (!TryCommit(batch, effects, isolated: true))
                {
                    continue;
                }
            }
            _afterCommit(effects);
            foreach (var write in batch)
            {
                write.Complete();
            }
        }
    }

    /// <summary>
    /// Runs <paramref name="batch"/> in one transaction and commits it. Not <paramref name="isolated"/>: returns false at the
    /// first write that throws or when the transaction fails, with everything rolled back and no write told. Isolated: each
    /// write in its own savepoint, a failing one is told its error and the others commit; returns false only when the
    /// transaction itself failed (then every write is told).
    /// </summary>
    private bool TryCommit(List<IWrite> batch, WriteEffects effects, bool isolated)
    {
        try
        {
            Exec("BEGIN IMMEDIATE");
            var scope = new WriteScope(this, effects);
            foreach (var write in batch)
            {
                if (!isolated)
                {
                    try
                    {
                        write.Execute(scope);
                    }
                    catch (Exception)
                    {
                        Rollback();
                        return false;
                    }
                    continue;
                }
                scope.Execute("SAVEPOINT w");
                try
                {
                    write.Execute(scope);
                    scope.Execute("RELEASE w");
                }
                catch (Exception ex)
                {
                    scope.Execute("ROLLBACK TO w");
                    scope.Execute("RELEASE w");
                    write.Fail(ex);
                }
            }
            Exec("COMMIT");
            BatchesCommitted++;
            WritesCommitted += batch.Count;
            return true;
        }
        catch (Exception ex)
        {
            Rollback();
            if (isolated)
            {
                foreach (var write in batch)
                {
                    write.Fail(ex);
                }
            }
            return false;
        }
    }

    /// <summary>Ends the open transaction, if any, undoing it.</summary>
    private void Rollback()
    {
        if (raw.sqlite3_get_autocommit(_db) == 0)
        {
            raw.sqlite3_exec(_db, "ROLLBACK");
        }
    }

    /// <summary>The statement for <paramref name="sql"/>, prepared once on the writer's connection and reset for reuse.</summary>
    internal RawStatement Statement(string sql)
    {
        StatementsRun++;
        if (!_statements.TryGetValue(sql, out var statement))
        {
            statement = RawStatement.Prepare(_db, sql);
            _statements[sql] = statement;
        }
        return statement;
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await Task.Run(() => _thread.Join());
        foreach (var statement in _statements.Values)
        {
            statement.Dispose();
        }
        _db.Dispose();
    }

    private interface IWrite
    {
        void Execute(WriteScope scope);
        void Fail(Exception ex);
        void Complete();
    }

    private sealed class Write<T>(Func<WriteScope, T> work) : IWrite
    {
        private T _result = default!;
        private Exception? _error;
        public TaskCompletionSource<T> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public void Execute(WriteScope scope) => _result = work(scope);
        public void Fail(Exception ex) => _error = ex;
        public void Complete()
        {
            if (_error is null)
            {
                Completion.TrySetResult(_result);
            }
            else
            {
                Completion.TrySetException(_error);
            }
        }
    }
}

/// <summary>What a committed batch changed, for notifications after the commit.</summary>
internal sealed class WriteEffects
{
    public bool WorkAvailable { get; set; }
    public bool Changed { get; set; }
    public List<(string RunId, long VisibleAtMs)> Runs { get; } = [];
    public List<(long Id, long VisibleAtMs)> Activities { get; } = [];
}

/// <summary>
/// The writer's view of the open transaction. Statements go straight to SQLite's C API, prepared once
/// and bound by position: the writer thread is the store's bottleneck, and this is its inner loop.
/// </summary>
internal sealed class WriteScope(SqliteWriter writer, WriteEffects effects)
{
    public WriteEffects Effects { get; } = effects;

    /// <summary>Runs a statement and returns the rows it changed.</summary>
    public int Execute(string sql, params (string Name, object? Value)[] parameters)
    {
        var statement = writer.Statement(sql);
        try
        {
            statement.Bind(parameters);
            while (statement.Step())
            {
            }
            return statement.Changes;
        }
        finally
        {
            statement.Reset();
        }
    }

    /// <summary>The first column of the first row, or null.</summary>
    public object? Scalar(string sql, params (string Name, object? Value)[] parameters)
    {
        var statement = writer.Statement(sql);
        try
        {
            statement.Bind(parameters);
            if (!statement.Step())
            {
                return null;
            }
            var value = statement.Value(0);
            while (statement.Step())
            {
            }
            return value;
        }
        finally
        {
            statement.Reset();
        }
    }

    /// <summary>Rows of a query; dispose it before the next statement.</summary>
    public RawRows Query(string sql, params (string Name, object? Value)[] parameters)
    {
        var statement = writer.Statement(sql);
        statement.Bind(parameters);
        return new RawRows(statement);
    }
}

/// <summary>A prepared statement with its parameters' positions resolved once.</summary>
internal sealed class RawStatement : IDisposable
{
    private readonly sqlite3 _db;
    private readonly sqlite3_stmt _stmt;
    private readonly Dictionary<string, int> _positions = [];

    private RawStatement(sqlite3 db, sqlite3_stmt stmt)
    {
        _db = db;
        _stmt = stmt;
    }

    public static RawStatement Prepare(sqlite3 db, string sql)
    {
        var rc = raw.sqlite3_prepare_v2(db, sql, out var stmt);
        Check(db, rc);
        return new RawStatement(db, stmt);
    }

    public int Changes => raw.sqlite3_changes(_db);

    public void Bind((string Name, object? Value)[] parameters)
    {
        foreach (var (name, value) in parameters)
        {
            if (!_positions.TryGetValue(name, out var position))
            {
                position = raw.sqlite3_bind_parameter_index(_stmt, name);
                if (position == 0)
                {
                    throw new ArgumentException($"The statement has no parameter '{name}'.", nameof(parameters));
                }
                _positions[name] = position;
            }
            var rc = value switch
            {
                null or DBNull => raw.sqlite3_bind_null(_stmt, position),
                string text => raw.sqlite3_bind_text(_stmt, position, text),
                long number => raw.sqlite3_bind_int64(_stmt, position, number),
                int number => raw.sqlite3_bind_int64(_stmt, position, number),
                bool flag => raw.sqlite3_bind_int64(_stmt, position, flag ? 1 : 0),
                double real => raw.sqlite3_bind_double(_stmt, position, real),
                byte[] bytes => raw.sqlite3_bind_blob(_stmt, position, bytes),
                _ => throw new ArgumentException($"Parameter '{name}' has an unsupported type {value.GetType().Name}.", nameof(parameters)),
            };
            Check(_db, rc);
        }
    }

    /// <summary>True when a row is ready; false when the statement is done.</summary>
    public bool Step()
    {
        var rc = raw.sqlite3_step(_stmt);
        if (rc == raw.SQLITE_ROW)
        {
            return true;
        }
        if (rc != raw.SQLITE_DONE)
        {
            Check(_db, rc);
        }
        return false;
    }

    public object? Value(int column) => raw.sqlite3_column_type(_stmt, column) switch
    {
        raw.SQLITE_NULL => null,
        raw.SQLITE_INTEGER => raw.sqlite3_column_int64(_stmt, column),
        raw.SQLITE_FLOAT => raw.sqlite3_column_double(_stmt, column),
        raw.SQLITE_TEXT => raw.sqlite3_column_text(_stmt, column).utf8_to_string(),
        _ => raw.sqlite3_column_blob(_stmt, column).ToArray(),
    };

    public bool IsNull(int column) => raw.sqlite3_column_type(_stmt, column) == raw.SQLITE_NULL;

    public long Int64(int column) => raw.sqlite3_column_int64(_stmt, column);

    public string Text(int column) => raw.sqlite3_column_text(_stmt, column).utf8_to_string();

    /// <summary>Makes the statement ready for its next use; bindings are overwritten by the next <see cref="Bind"/>.</summary>
    public void Reset()
    {
        raw.sqlite3_reset(_stmt);
        raw.sqlite3_clear_bindings(_stmt);
    }

    public void Dispose() => _stmt.Dispose();

    public static void Check(sqlite3 db, int rc)
    {
        if (rc is not (raw.SQLITE_OK or raw.SQLITE_ROW or raw.SQLITE_DONE))
        {
            throw new SqliteException($"SQLite Error {rc}: '{raw.sqlite3_errmsg(db).utf8_to_string()}'.", rc, raw.sqlite3_extended_errcode(db));
        }
    }
}

/// <summary>The rows of a query on the writer's connection, read like a data reader; closing it resets the statement.</summary>
internal sealed class RawRows(RawStatement statement) : IDisposable
{
    private bool _closed;

    public bool Read() => !_closed && statement.Step();

    public bool IsDBNull(int column) => statement.IsNull(column);

    public long GetInt64(int column) => statement.Int64(column);

    public int GetInt32(int column) => checked((int)statement.Int64(column));

    public string GetString(int column) => statement.Text(column);

    public void Close()
    {
        if (!_closed)
        {
            _closed = true;
            statement.Reset();
        }
    }

    public void Dispose() => Close();
}
