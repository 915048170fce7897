using System.Diagnostics;
using Durable.Hosting;
using FoodOrdering.Benchmarks.Infrastructure;
using FoodOrdering.Benchmarks.Workflows;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using TestSupport.Postgres;

namespace FoodOrdering.Benchmarks.Figures;

/// <summary>
/// The PostgreSQL store on a throwaway PostgreSQL 15 server of its own (fsync on, as in production), on
/// localhost through its unix socket: N three-activity workflows with one engine, then with two engines
/// (two hosts in this process) sharing one database, each starting half; the clock runs from the first start
/// until the first engine's change feed (which shows both hosts' commits) has reported every one completed.
/// Baseline: single-row INSERT commits/s on the same server, one connection.
/// </summary>
public sealed class PostgresFigure : IFigure
{
    public const string FigureName = "postgres";
    private const double TargetPerSecond = 1000;
    private const int RawRounds = 3;

    public string Name => FigureName;
    public string Title => "PostgreSQL workflows/s (3 activities), 1 / 2 engines";

    public string Size(BenchmarkSettings settings) => $"{settings.Workflows / 2:N0} workflows";

    public async Task<FigureResult> RunAsync(BenchmarkContext context)
    {
        var count = context.Settings.Workflows / 2;
        var warmup = Math.Clamp(count / 10, 10, 500);
        context.Progress.Line($"[{Name}] starting a PostgreSQL 15 server (fsync on)");
        await using var server = await PostgresServer.StartAsync(durable: true);
        var (raw, rounds) = await RawCommitsAsync(await server.CreateDatabaseAsync("raw"), context.Settings.RawCommits / 4);
        context.Progress.Line($"[{Name}] {raw:N0} raw single-row commits/s (rounds: {string.Join(", ", rounds.Select(r => r.ToString("N0")))})");

        var (one, oneCpu) = await RunAsync(context, server, "one_engine", engines: 1, count, warmup);
        context.Progress.Line($"[{Name}] one engine: {count / one.TotalSeconds:N0} workflows/s; {CpuText(oneCpu, count)}");
        var (two, twoCpu) = await RunAsync(context, server, "two_engines", engines: 2, count, warmup);
        context.Progress.Line($"[{Name}] two engines: {count / two.TotalSeconds:N0} workflows/s; {CpuText(twoCpu, count)}");

        var onePerSecond = count / one.TotalSeconds;
        var twoPerSecond = count / two.TotalSeconds;
        return new FigureResult(Title, $"{onePerSecond:N0} / {twoPerSecond:N0} workflows/s", $">= {TargetPerSecond:N0}/s with 2 hosts",
            $"{raw:N0} raw PostgreSQL commits/s", $"{twoPerSecond * 8 / raw:0.00} ({twoPerSecond * 8:N0} transitions/s with 2 engines ÷ raw commits/s)")
        {
            TargetMet = twoPerSecond >= TargetPerSecond,
            Notes =
            [
                $"{count:N0} workflows per run (after {warmup:N0} for warm-up): one engine {one.TotalSeconds:N2} s, two engines {two.TotalSeconds:N2} s; each workflow is 8 committed transactions (start, 4 activations, 3 activity results), each its own PostgreSQL transaction (the server's WAL flush groups concurrent commits) whose statements go in one or two batches; the commit that schedules an activity leases it to its host (eager dispatch, no claim); engine default options (lease {TimeSpan.FromSeconds(30)}, MaxConcurrentWorkflowTasks 64, MaxConcurrentActivities 256).",
                $"CPU per workflow (this process and the PostgreSQL server's processes, from /proc, so other load on the machine does not count): one engine {CpuText(oneCpu, count)}; two engines {CpuText(twoCpu, count)}.",
                $"Baseline: {RawRounds} rounds of {context.Settings.RawCommits / 4:N0} single-row INSERT transactions (autocommit) into a copy of the engine's history table on one connection, median shown; rounds {string.Join(" / ", rounds.Select(r => r.ToString("N0")))} commits/s. The server runs on the same {Environment.ProcessorCount} cores as the engines.",
            ],
        };
    }

    /// <summary>CPU per workflow, and the rate at which it would use all of this machine's cores.</summary>
    private static string CpuText(ProcessCpu cpu, int count)
    {
        var engine = cpu.Engine.TotalMilliseconds / count;
        if (cpu.Server is not { } server)
        {
            return $"engines {engine:0.00} ms CPU per workflow (server CPU not readable)";
        }
        var database = server.TotalMilliseconds / count;
        return $"engines {engine:0.00} + PostgreSQL {database:0.00} ms CPU per workflow, a ceiling of {Environment.ProcessorCount * 1000 / (engine + database):N0}/s on {Environment.ProcessorCount} cores";
    }

    private static async Task<(TimeSpan Elapsed, ProcessCpu Cpu)> RunAsync(BenchmarkContext context, PostgresServer server, string database, int engines, int count, int warmup)
    {
        var connectionString = await server.CreateDatabaseAsync(database);
        var folder = context.NewFolder($"{FigureName}-{engines}");
        var hosts = new List<BenchmarkEngine>();
        try
        {
            for (var i = 0; i < engines; i++)
            {
                hosts.Add(await BenchmarkEngine.StartAsync(folder, b => b.AddWorkflow<ThreeStepWorkflow>().AddActivities<BenchmarkActivities>(),
                    s => s.AddSingleton<ActivityRecorder>(), o =>
                    {
                        o.Store = DurableStoreKind.Postgres;
                        o.ConnectionString = connectionString;
                    }));
            }
            await RunWorkflowsAsync(hosts, $"warmup-{engines}-", warmup, context.Progress);
            var before = ProcessCpu.Read(server.SocketDirectory);
            var elapsed = await RunWorkflowsAsync(hosts, $"pg-{engines}-", count, context.Progress);
            return (elapsed, ProcessCpu.Read(server.SocketDirectory) - before);
        }
        finally
        {
            foreach (var host in hosts)
            {
                await host.DisposeAsync();
            }
        }
    }

    private static async Task<TimeSpan> RunWorkflowsAsync(IReadOnlyList<BenchmarkEngine> hosts, string prefix, int count, Progress progress)
    {
        await using var completed = await ChangeCounter.StartAsync(hosts[0], prefix, ChangeCounter.IsCompleted);
        var started = Stopwatch.GetTimestamp();
        var handles = await Task.WhenAll(Enumerable.Range(0, count).Select(i =>
            hosts[i % hosts.Count].Client.StartAsync<ThreeStepWorkflow, int, int>($"{prefix}{i}", i)));
        if (handles.Any(h => !h.Started))
        {
            throw new InvalidOperationException($"Some workflows of '{prefix}' already existed.");
        }
        await completed.WaitForAsync(count, TimeSpan.FromSeconds(Math.Max(120, count / 20)), progress, "completed");
        return Stopwatch.GetElapsedTime(started);
    }

    private static async Task<(double Median, List<double> Rounds)> RawCommitsAsync(string connectionString, int count)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using (var create = new NpgsqlCommand(
            "CREATE TABLE history (run_id text NOT NULL, event_id bigint NOT NULL, type integer NOT NULL, at bigint NOT NULL, body text NOT NULL, PRIMARY KEY (run_id, event_id))",
            connection))
        {
            await create.ExecuteNonQueryAsync();
        }
        await using var insert = new NpgsqlCommand("INSERT INTO history (run_id, event_id, type, at, body) VALUES (@r, @e, 20, @at, @b)", connection);
        var runId = new NpgsqlParameter<string> { ParameterName = "r", TypedValue = "" };
        var eventId = new NpgsqlParameter<long> { ParameterName = "e" };
        var at = new NpgsqlParameter<long> { ParameterName = "at" };
        insert.Parameters.Add(runId);
        insert.Parameters.Add(eventId);
        insert.Parameters.Add(at);
        insert.Parameters.AddWithValue("b", RawSqliteFigure.Body);
        await insert.PrepareAsync();
        var next = 0L;
        async Task CommitAsync()
        {
            next++;
            runId.TypedValue = $"run-{next / 8:D8}";
            eventId.TypedValue = next % 8;
            at.TypedValue = next;
            await insert.ExecuteNonQueryAsync();
        }

        for (var i = 0; i < Math.Min(count, 500); i++)
        {
            await CommitAsync();
        }
        var rates = new List<double>();
        for (var round = 0; round < RawRounds; round++)
        {
            var started = Stopwatch.GetTimestamp();
            for (var i = 0; i < count; i++)
            {
                await CommitAsync();
            }
            rates.Add(count / Stopwatch.GetElapsedTime(started).TotalSeconds);
        }
        return (Statistics.Median(rates), rates);
    }
}
