using System.Diagnostics;
using FoodOrdering.Benchmarks.Infrastructure;
using FoodOrdering.Benchmarks.Workflows;
using Microsoft.Data.Sqlite;

namespace FoodOrdering.Benchmarks.Figures;

/// <summary>
/// Driver location updates: S signals sent by 64 concurrent senders, round robin, into W running
/// workflows that each count theirs and continue as new every 500. The clock runs from the first
/// send until the change feed has shown every workflow completed, i.e. every signal consumed.
/// Afterwards the store is read directly for the longest history any run reached.
/// </summary>
public sealed class SignalsFigure : IFigure
{
    public const string FigureName = "signals";
    private const double TargetPerSecond = 10_000;
    private const int Senders = 64;
    private const string IdPrefix = "signals-";

    public string Name => FigureName;
    public string Title => "signals into running workflows";

    public string Size(BenchmarkSettings settings) => $"{settings.Signals:N0} signals into {settings.SignalWorkflows:N0} workflows";

    public async Task<FigureResult> RunAsync(BenchmarkContext context)
    {
        var (signals, workflows) = (context.Settings.Signals, context.Settings.SignalWorkflows);
        var perWorkflow = signals / workflows;
        signals = perWorkflow * workflows;
        context.Progress.Line($"[{Name}] {signals:N0} signals into {workflows:N0} workflows ({perWorkflow:N0} each) from {Senders} senders");
        var folder = context.NewFolder(Name);
        await using var engine = await BenchmarkEngine.StartAsync(folder, b => b.AddWorkflow<SignalCounterWorkflow>());

        await Task.WhenAll(Enumerable.Range(0, workflows).Select(w =>
            engine.Client.StartAsync<SignalCounterWorkflow, SignalCount, int>($"{IdPrefix}{w}", new SignalCount(perWorkflow, 0))));
        var before = engine.CommitStatistics;
        await using var completed = await ChangeCounter.StartAsync(engine, IdPrefix, ChangeCounter.IsCompleted);
        var started = Stopwatch.GetTimestamp();
        await Parallel.ForEachAsync(Enumerable.Range(0, signals), new ParallelOptions { MaxDegreeOfParallelism = Senders }, async (i, ct) =>
            await engine.Client.SignalAsync($"{IdPrefix}{i % workflows}", SignalCounterWorkflow.Tick, i, ct));
        var sent = Stopwatch.GetElapsedTime(started);
        await completed.WaitForAsync(workflows, TimeSpan.FromSeconds(Math.Max(120, signals / 1_000)), context.Progress, "done");
        var elapsed = Stopwatch.GetElapsedTime(started);
        var after = engine.CommitStatistics;

        var (runs, longest) = ReadRuns(folder);
        var perSecond = signals / elapsed.TotalSeconds;
        var boundEvents = HistoryBound();
        context.Progress.Line($"[{Name}] {perSecond:N0} signals/s; {runs:N0} runs, longest history {longest:N0} events");
        var ratio = context.RawCommitsPerSecond is { } raw ? $"{perSecond / raw:0.00} (signals/s ÷ raw commits/s)" : "—";
        return new FigureResult(Title, $"{perSecond:N0} signals/s, longest history {longest:N0} events",
            $">= {TargetPerSecond:N0}/s, history <= {boundEvents:N0} events", context.BaselineText, ratio)
        {
            TargetMet = perSecond >= TargetPerSecond && longest <= boundEvents,
            Notes =
            [
                $"{signals:N0} signals (DurableClient.SignalAsync, {Senders} at a time) into {workflows:N0} workflows: all sent after {sent.TotalSeconds:N2} s ({signals / sent.TotalSeconds:N0}/s accepted), all consumed after {elapsed.TotalSeconds:N2} s.",
                $"{after.Writes - before.Writes:N0} committed writes in {after.Batches - before.Batches:N0} transactions ({(double)(after.Writes - before.Writes) / Math.Max(1, after.Batches - before.Batches):N1} per group commit); signals waiting together are consumed by one activation.",
                $"Each workflow continues as new every {SignalCounterWorkflow.SignalsPerRun} signals: {runs:N0} runs in all, the longest history {longest:N0} events (bound {boundEvents:N0}: 2 events per signal when every signal gets its own activation, plus 3).",
            ],
        };
    }

    /// <summary>The most events a run can hold: its start and first activation, per signal an activation and the signal, then continue-as-new.</summary>
    private static int HistoryBound() => 3 + 2 * SignalCounterWorkflow.SignalsPerRun;

    private static (long Runs, long Longest) ReadRuns(string folder)
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(folder, "durable.db")};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var cmd = connection.CreateCommand();
        cmd.CommandText = "SELECT COUNT(*), MAX(next_event_id) - 1 FROM executions WHERE workflow_id LIKE $prefix";
        cmd.Parameters.AddWithValue("$prefix", IdPrefix + "%");
        using var reader = cmd.ExecuteReader();
        reader.Read();
        return (reader.GetInt64(0), reader.GetInt64(1));
    }
}
