using Durable.Storage;
using Microsoft.Data.Sqlite;

namespace Durable.Tests;

/// <summary>A SQLite store written by an older build opens in this one: its schema is brought up to date and its work kept.</summary>
public sealed class SqliteSchemaTests
{
    [Fact]
    public async Task InitializeAsync_StoreAtSchemaVersion1_DropsTheDueTimeIndexesAndKeepsItsWork()
    {
        using var folder = new TemporaryStoreFolder("schema-");
        var now = DateTimeOffset.UtcNow;
        await using (var store = new SqliteWorkflowStore(folder.StorePath))
        {
            await store.InitializeAsync(CancellationToken.None);
            await store.StartWorkflowAsync(new NewWorkflow("wf-1", "run-1", "Any", null, now, now, null,
                WorkflowIdReusePolicy.AllowDuplicate, WorkflowIdConflictPolicy.Fail), CancellationToken.None);
        }
        // Version 1 was version 2 with an index on each due-time column.
        await using (var connection = Open(folder.StorePath))
        {
            Execute(connection, """
                CREATE INDEX ix_inbox_visible ON inbox (visible_at);
                CREATE INDEX ix_activity_tasks_visible ON activity_tasks (visible_at);
                DELETE FROM schema_version WHERE version > 1;
                """);
        }
        SqliteConnection.ClearAllPools();

        await using (var store = new SqliteWorkflowStore(folder.StorePath))
        {
            await store.InitializeAsync(CancellationToken.None);
            var tasks = await store.ClaimWorkflowTasksAsync(10, DateTimeOffset.UtcNow, CancellationToken.None);
            Assert.Equal(["run-1"], tasks.Select(t => t.RunId));
        }

        await using (var connection = Open(folder.StorePath))
        {
            Assert.Equal(Enumerable.Range(1, SqliteWorkflowStore.SchemaVersion), Column(connection, "SELECT version FROM schema_version ORDER BY version").Select(Convert.ToInt32));
            Assert.Empty(Column(connection, "SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE '%visible%'"));
        }
        SqliteConnection.ClearAllPools();
    }

    private static SqliteConnection Open(string path)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        connection.Open();
        return connection;
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static List<object> Column(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var values = new List<object>();
        while (reader.Read())
        {
            values.Add(reader.GetValue(0));
        }
        return values;
    }
}
