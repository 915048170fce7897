using System.Diagnostics;
using FoodOrdering.Benchmarks.Infrastructure;
using Microsoft.Data.Sqlite;

namespace FoodOrdering.Benchmarks.Figures;

/// <summary>
/// The baseline: what the file system and SQLite give one writer that commits one row per
/// transaction, with the engine writer's connection settings. The engine cannot commit state
/// transitions one by one faster than this; group commit is how it may beat it.
/// </summary>
public sealed class RawSqliteFigure : IFigure
{
    public const string FigureName = "raw-sqlite";

    /// <summary>The same pragmas as the engine's writer (Durable/Storage/SqliteWriter.cs); keep them in step.</summary>
    public const string WriterPragmas =
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000; PRAGMA foreign_keys=OFF; PRAGMA wal_autocheckpoint=4000;";

    private const int Rounds = 3;

    // About the size of a stored ActivityScheduled event.
    private const string Body =
        """{"eventId":42,"type":"ActivityScheduled","timestamp":"2025-01-01T12:00:00+00:00","sequence":7,"name":"PaymentActivities.Charge","payload":"[\"order-1\",\"5f0e1a2b\",12.5]","options":"{\"startToCloseTimeout\":\"00:05:00\"}"}""";

    public string Name => FigureName;
    public string Title => "raw SQLite single-row commits/s (baseline)";

    public string Size(BenchmarkSettings settings) => $"{settings.RawCommits:N0} commits";

    public Task<FigureResult> RunAsync(BenchmarkContext context)
    {
        var count = context.Settings.RawCommits;
        context.Progress.Line($"[{Name}] {Rounds} rounds of {count:N0} single-row transactions (WAL, synchronous=NORMAL)");
        var path = Path.Combine(context.NewFolder(Name), "raw.db");
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false, Mode = SqliteOpenMode.ReadWriteCreate }.ToString());
        connection.Open();
        Execute(connection, WriterPragmas);
        // The engine's history table, so rows and index maintenance cost the same.
        Execute(connection, "CREATE TABLE history (run_id TEXT NOT NULL, event_id INTEGER NOT NULL, type INTEGER NOT NULL, at INTEGER NOT NULL, body TEXT NOT NULL, PRIMARY KEY (run_id, event_id)) WITHOUT ROWID");
        using var insert = connection.CreateCommand();
        insert.CommandText = "INSERT INTO history (run_id, event_id, type, at, body) VALUES ($r, $e, 20, $at, $b)";
        var runId = insert.Parameters.Add("$r", SqliteType.Text);
        var eventId = insert.Parameters.Add("$e", SqliteType.Integer);
        var at = insert.Parameters.Add("$at", SqliteType.Integer);
        insert.Parameters.AddWithValue("$b", Body);
        var next = 0L;
        void Commit()
        {
            using var tx = connection.BeginTransaction(deferred: false);
            insert.Transaction = tx;
            next++;
            runId.Value = $"run-{next / 8:D8}";
            eventId.Value = next % 8;
            at.Value = next;
            insert.ExecuteNonQuery();
            tx.Commit();
        }

        for (var i = 0; i < Math.Min(count, 500); i++)
        {
            Commit();
        }
        var rates = new List<double>();
        for (var round = 0; round < Rounds; round++)
        {
            var started = Stopwatch.GetTimestamp();
            for (var i = 0; i < count; i++)
            {
                Commit();
            }
            rates.Add(count / Stopwatch.GetElapsedTime(started).TotalSeconds);
        }
        var median = Statistics.Median(rates);
        context.RawCommitsPerSecond = median;
        context.Progress.Line($"[{Name}] {median:N0} commits/s (rounds: {string.Join(", ", rates.Select(r => r.ToString("N0")))})");
        return Task.FromResult(new FigureResult(Title, $"{median:N0} commits/s", "—", "(this row)", "1.00")
        {
            Notes =
            [
                $"{Rounds} rounds of {count:N0} transactions of one INSERT each (BEGIN IMMEDIATE … COMMIT) into a copy of the engine's history table; median round shown, rounds {string.Join(" / ", rates.Select(r => r.ToString("N0")))} commits/s; {1_000_000 / median:N1} µs per commit.",
            ],
        });
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
