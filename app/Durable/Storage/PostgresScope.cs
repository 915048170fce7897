using Npgsql;

namespace Durable.Storage;

/// <summary>
/// One write transaction of the PostgreSQL store, and what it did that others must hear of after it commits.
/// Statements whose results nobody reads are deferred and sent in one batch (one round trip) with the next
/// statement that is read, or before the commit: a transition costs a couple of round trips, not one per statement.
/// A deferred statement that must hold (a run still at the expected event id) checks itself with
/// <c>durable_expect</c>, which aborts the transaction with <see cref="ExpectationFailed"/>.
/// </summary>
internal sealed class PostgresScope(NpgsqlConnection connection, NpgsqlTransaction transaction)
{
    /// <summary>The SQLSTATE raised by <c>durable_expect</c> when a deferred check fails.</summary>
    public const string ExpectationFailed = "DU001";

    private readonly List<NpgsqlBatchCommand> _deferred = [];

    public bool WorkAvailable { get; set; }
    public bool Changed { get; set; }

    /// <summary>Change-feed rows to insert at the end of the transaction, in one statement.</summary>
    public List<(string WorkflowId, string RunId, string Type, int Kind, int Status, string? CustomStatus, long At)> PendingChanges { get; } = [];

    /// <summary>Queues a statement whose result is not read; it runs, in order, before the next statement that is.</summary>
    public void Defer(string sql, params (string Name, object? Value)[] parameters) => _deferred.Add(Command(sql, parameters));

    /// <summary>Sends what is deferred.</summary>
    public async Task FlushAsync()
    {
        if (_deferred.Count > 0)
        {
            await using var batch = TakeBatch();
            await batch.ExecuteNonQueryAsync();
        }
    }

    /// <summary>Runs <paramref name="sql"/> after what is deferred, in the same round trip; returns the rows it affected.</summary>
    public async Task<int> ExecuteAsync(string sql, params (string Name, object? Value)[] parameters)
    {
        var command = Command(sql, parameters);
        _deferred.Add(command);
        await using var batch = TakeBatch();
        await batch.ExecuteNonQueryAsync();
        return command.RecordsAffected;
    }

    public async Task<object?> ScalarAsync(string sql, params (string Name, object? Value)[] parameters)
    {
        await using var reader = await ReaderAsync(sql, parameters);
        var value = await reader.ReadAsync() ? reader.GetValue(0) : null;
        return value is DBNull ? null : value;
    }

    /// <summary>Runs <paramref name="sql"/> after what is deferred (sent first: a batch's earlier row sets would come first).</summary>
    public async Task<NpgsqlDataReader> ReaderAsync(string sql, params (string Name, object? Value)[] parameters)
    {
        await FlushAsync();
        var batch = new NpgsqlBatch(connection, transaction) { BatchCommands = { Command(sql, parameters) } };
        return await batch.ExecuteReaderAsync();
    }

    private NpgsqlBatch TakeBatch()
    {
        var batch = new NpgsqlBatch(connection, transaction);
        foreach (var command in _deferred)
        {
            batch.BatchCommands.Add(command);
        }
        _deferred.Clear();
        return batch;
    }

    private static NpgsqlBatchCommand Command(string sql, (string Name, object? Value)[] parameters)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }
        return command;
    }
}
