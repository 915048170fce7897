using System.Threading.Channels;
using Microsoft.Data.Sqlite;

namespace Durable.Storage;

/// <summary>
/// The single writer of a SQLite store with group commit: every write waiting when a transaction
/// starts joins it, each inside its own savepoint so one failing write does not fail the others,
/// and the whole batch pays for one fsync.
/// </summary>
internal sealed class SqliteWriter : IAsyncDisposable
{
    private const int MaxBatch = 512;
    private readonly Channel<IWrite> _queue = Channel.CreateUnbounded<IWrite>(new() { SingleReader = true });
    private readonly SqliteConnection _connection;
    private readonly Dictionary<string, SqliteCommand> _commands = [];
    private readonly Thread _thread;
    private readonly Action<WriteEffects> _afterCommit;

    public SqliteWriter(string connectionString, Action<WriteEffects> afterCommit)
    {
        _afterCommit = afterCommit;
        _connection = new SqliteConnection(connectionString);
        _connection.Open();
        Exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000; PRAGMA foreign_keys=OFF; PRAGMA wal_autocheckpoint=4000;");
        _thread = new Thread(Run) { IsBackground = true, Name = "durable-sqlite-writer" };
        _thread.Start();
    }

    public long BatchesCommitted { get; private set; }
    public long WritesCommitted { get; private set; }

    public Task<T> WriteAsync<T>(Func<WriteScope, T> work)
    {
        var write = new Write<T>(work);
        if (!_queue.Writer.TryWrite(write))
        {
            throw new ObjectDisposedException(nameof(SqliteWriter), "The store is closed.");
        }
        return write.Completion.Task;
    }

    private void Exec(string sql)
    {
        using var cmd = _connection.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

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
            var effects = new WriteEffects();
            try
            {
                using var tx = _connection.BeginTransaction(deferred: false);
                var scope = new WriteScope(this, tx, effects);
                foreach (var write in batch)
                {
                    Command("SAVEPOINT w", tx).ExecuteNonQuery();
                    try
                    {
                        write.Execute(scope);
                        Command("RELEASE w", tx).ExecuteNonQuery();
                    }
                    catch (Exception ex)
                    {
                        Command("ROLLBACK TO w", tx).ExecuteNonQuery();
                        Command("RELEASE w", tx).ExecuteNonQuery();
                        write.Fail(ex);
                    }
                }
                tx.Commit();
                BatchesCommitted++;
                WritesCommitted += batch.Count;
            }
            catch (Exception ex)
            {
                foreach (var write in batch)
                {
                    write.Fail(ex);
                }
                continue;
            }
            _afterCommit(effects);
            foreach (var write in batch)
            {
                write.Complete();
            }
        }
    }

    internal SqliteCommand Command(string sql, SqliteTransaction tx)
    {
        if (!_commands.TryGetValue(sql, out var cmd))
        {
            cmd = _connection.CreateCommand();
            cmd.CommandText = sql;
            _commands[sql] = cmd;
        }
        cmd.Transaction = tx;
        cmd.Parameters.Clear();
        return cmd;
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await Task.Run(() => _thread.Join());
        foreach (var cmd in _commands.Values)
        {
            cmd.Dispose();
        }
        await _connection.DisposeAsync();
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

internal sealed class WriteScope(SqliteWriter writer, SqliteTransaction tx, WriteEffects effects)
{
    public WriteEffects Effects { get; } = effects;

    public SqliteCommand Cmd(string sql, params (string Name, object? Value)[] parameters)
    {
        var cmd = writer.Command(sql, tx);
        foreach (var (name, value) in parameters)
        {
            cmd.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }
        return cmd;
    }

    public int Execute(string sql, params (string Name, object? Value)[] parameters) => Cmd(sql, parameters).ExecuteNonQuery();

    public object? Scalar(string sql, params (string Name, object? Value)[] parameters)
    {
        var value = Cmd(sql, parameters).ExecuteScalar();
        return value is DBNull ? null : value;
    }
}
