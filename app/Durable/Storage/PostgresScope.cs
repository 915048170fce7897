using Npgsql;

namespace Durable.Storage;

/// <summary>One write transaction of the PostgreSQL store, and what it did that others must hear of after it commits.</summary>
internal sealed class PostgresScope(NpgsqlConnection connection, NpgsqlTransaction transaction)
{
    public bool WorkAvailable { get; set; }
    public bool Changed { get; set; }

    /// <summary>Change-feed rows to insert at the end of the transaction, in one statement.</summary>
    public List<(string WorkflowId, string RunId, string Type, int Kind, int Status, string? CustomStatus, long At)> PendingChanges { get; } = [];

    public NpgsqlCommand Cmd(string sql, params (string Name, object? Value)[] parameters)
    {
        var cmd = new NpgsqlCommand(sql, connection, transaction);
        foreach (var (name, value) in parameters)
        {
            cmd.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }
        return cmd;
    }

    public async Task<int> ExecuteAsync(string sql, params (string Name, object? Value)[] parameters)
    {
        await using var cmd = Cmd(sql, parameters);
        return await cmd.ExecuteNonQueryAsync();
    }

    public async Task<object?> ScalarAsync(string sql, params (string Name, object? Value)[] parameters)
    {
        await using var cmd = Cmd(sql, parameters);
        var value = await cmd.ExecuteScalarAsync();
        return value is DBNull ? null : value;
    }
}
