using Durable.Hosting;
using Microsoft.Data.Sqlite;

namespace Durable.CrashHost;

/// <summary>
/// The external system the activities act on: every execution lands in <c>attempts</c>, the effect
/// lands in <c>effects</c> at most once per idempotency key (INSERT OR IGNORE on a unique key).
/// </summary>
public sealed class Ledger(CrashHostOptions options) : IDisposable
{
    private readonly string _connectionString = new SqliteConnectionStringBuilder
    {
        DataSource = Path.GetFullPath(options.Ledger), Mode = SqliteOpenMode.ReadWriteCreate, Pooling = true,
    }.ToString();

    // One writer at a time: SQLite would otherwise make concurrent activities wait on its busy handler.
    private readonly SemaphoreSlim _gate = new(1, 1);
    private bool _created;

    public async Task RecordAsync(ActivityContext activity, int step, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            await using var connection = new SqliteConnection(_connectionString);
            await connection.OpenAsync(cancellationToken);
            if (!_created)
            {
                await ExecuteAsync(connection, null, """
                    PRAGMA journal_mode = WAL;
                    CREATE TABLE IF NOT EXISTS attempts (
                      id INTEGER PRIMARY KEY AUTOINCREMENT, idempotency_key TEXT NOT NULL, workflow_id TEXT NOT NULL,
                      run_id TEXT NOT NULL, seq INTEGER NOT NULL, step INTEGER NOT NULL, attempt INTEGER NOT NULL, pid INTEGER NOT NULL);
                    CREATE TABLE IF NOT EXISTS effects (
                      idempotency_key TEXT NOT NULL UNIQUE, workflow_id TEXT NOT NULL, run_id TEXT NOT NULL, seq INTEGER NOT NULL, step INTEGER NOT NULL);
                    """, cancellationToken);
                _created = true;
            }
            await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
            var parameters = new (string, object)[]
            {
                ("$key", activity.IdempotencyKey), ("$wf", activity.WorkflowId), ("$run", activity.RunId), ("$seq", activity.Sequence),
                ("$step", step), ("$attempt", activity.Attempt), ("$pid", Environment.ProcessId),
            };
            await ExecuteAsync(connection, transaction,
                "INSERT INTO attempts (idempotency_key, workflow_id, run_id, seq, step, attempt, pid) VALUES ($key, $wf, $run, $seq, $step, $attempt, $pid)",
                cancellationToken, parameters);
            await ExecuteAsync(connection, transaction,
                "INSERT OR IGNORE INTO effects (idempotency_key, workflow_id, run_id, seq, step) VALUES ($key, $wf, $run, $seq, $step)",
                cancellationToken, parameters);
            await transaction.CommitAsync(cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose() => _gate.Dispose();

    private static async Task ExecuteAsync(SqliteConnection connection, SqliteTransaction? transaction, string sql,
        CancellationToken cancellationToken, params (string Name, object Value)[] parameters)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
