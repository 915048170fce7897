using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Text.Json;
using Durable.Hosting;
using Durable.Storage;
using Durable.Testing;
using Durable.Tests.Workflows;
using Microsoft.Extensions.DependencyInjection;
using TestSupport.Postgres;

namespace Durable.Tests;

/// <summary>The stores the conformance suite runs against.</summary>
public enum StoreKind
{
    Sqlite,
    Postgres,
}

/// <summary>A test class of the conformance suite: it runs once per store (a sealed subclass for each).</summary>
public abstract class StoreTests(StoreKind store)
{
    protected StoreKind Store { get; } = store;
}

/// <summary>Starts a <see cref="DurableTestEnvironment"/> with every test activity registered and the shared test services.</summary>
internal static class TestEnvironment
{
    public static async Task<DurableTestEnvironment> StartAsync(
        StoreKind store,
        Action<DurableBuilder> workflows,
        AttemptLog? log = null,
        ActivityGate? gate = null,
        bool timeSkipping = true,
        Action<DurableOptions>? options = null) =>
        await StartOnAsync(await StoreOptionsAsync(store), workflows, log, gate, timeSkipping, options);

    /// <summary>An environment on the store <paramref name="store"/> selects (from <see cref="StoreOptionsAsync"/>), so several can share one database.</summary>
    public static Task<DurableTestEnvironment> StartOnAsync(
        Action<DurableOptions>? store,
        Action<DurableBuilder> workflows,
        AttemptLog? log = null,
        ActivityGate? gate = null,
        bool timeSkipping = true,
        Action<DurableOptions>? options = null) =>
        DurableTestEnvironment.StartAsync(
            builder =>
            {
                workflows(builder);
                builder.AddActivities<EchoActivities>().AddActivities<FlakyActivities>().AddActivities<GateActivities>().AddActivities<LedgerActivities>();
            },
            timeSkipping,
            services: s => s.AddSingleton(log ?? new AttemptLog()).AddSingleton(gate ?? new ActivityGate()),
            options: o =>
            {
                store?.Invoke(o);
                options?.Invoke(o);
            });

    /// <summary>The options that select <paramref name="store"/>: for PostgreSQL a fresh database on the test server.</summary>
    public static async Task<Action<DurableOptions>?> StoreOptionsAsync(StoreKind store)
    {
        if (store == StoreKind.Sqlite)
        {
            return null;
        }
        var connectionString = await NewDatabaseAsync();
        return o =>
        {
            o.Store = DurableStoreKind.Postgres;
            o.ConnectionString = connectionString;
            o.LeaseDuration = TimeSpan.FromSeconds(5);
        };
    }

    /// <summary>A fresh database on the PostgreSQL server the tests share.</summary>
    public static async Task<string> NewDatabaseAsync() => await (await PostgresServer.SharedAsync()).CreateDatabaseAsync();
}

/// <summary>Waits for the engine without sleeping blindly: every wait is bounded by a deadline and wakes on store commits.</summary>
internal static class Wait
{
    // Generous: a hang guard only; CI runs test projects side by side on two cores, and PostgreSQL runs are slower.
    public static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(120);

    /// <summary>The workflow's result, or a failure that shows where it stands when it does not finish in time.</summary>
    public static async Task<T> ForResultAsync<T>(DurableTestEnvironment env, string workflowId)
    {
        try
        {
            return await env.Client.GetResultAsync<T>(workflowId).WaitAsync(HangGuard);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"Workflow '{workflowId}' did not finish in time.\n{await DumpAsync(env, workflowId)}");
        }
    }

    /// <summary>Polls <paramref name="probe"/> until <paramref name="done"/> holds, waking on every commit and at least every 25 ms.</summary>
    public static async Task<T> UntilAsync<T>(DurableTestEnvironment env, Func<Task<T>> probe, Func<T, bool> done, string what, TimeSpan? timeout = null)
    {
        var limit = timeout ?? HangGuard;
        var elapsed = Stopwatch.StartNew();
        var store = env.Store;
        // Not disposed: a commit on another thread may still release it after the handlers are removed.
        var wake = new SemaphoreSlim(0);
        void OnCommit()
        {
            if (wake.CurrentCount == 0)
            {
                wake.Release();
            }
        }
        store.Changed += OnCommit;
        store.WorkAvailable += OnCommit;
        try
        {
            while (true)
            {
                var value = await probe();
                if (done(value))
                {
                    return value;
                }
                if (elapsed.Elapsed > limit)
                {
                    throw new TimeoutException($"Timed out waiting for {what}; last value: {JsonSerializer.Serialize(value, DurableJson.Options)}");
                }
                await wake.WaitAsync(TimeSpan.FromMilliseconds(25));
            }
        }
        finally
        {
            store.Changed -= OnCommit;
            store.WorkAvailable -= OnCommit;
        }
    }

    public static async Task<WorkflowDescription> ForDescriptionAsync(DurableTestEnvironment env, string workflowId, Func<WorkflowDescription, bool> done, string what)
    {
        var description = await UntilAsync(env, () => env.Client.DescribeAsync(workflowId), d => d is not null && done(d), $"'{workflowId}' to have {what}");
        return description!;
    }

    public static Task<IReadOnlyList<HistoryEvent>> ForHistoryAsync(DurableTestEnvironment env, string workflowId, Func<IReadOnlyList<HistoryEvent>, bool> done, string what) =>
        UntilAsync(env, () => HistoryOrEmptyAsync(env, workflowId), done, $"the history of '{workflowId}' to have {what}");

    private static async Task<IReadOnlyList<HistoryEvent>> HistoryOrEmptyAsync(DurableTestEnvironment env, string workflowId)
    {
        try
        {
            return await env.Client.GetHistoryAsync(workflowId);
        }
        catch (WorkflowNotFoundException)
        {
            // Not started yet (a child, say): keep waiting.
            return [];
        }
    }

    public static Task<IReadOnlyList<HistoryEvent>> ForEventAsync(DurableTestEnvironment env, string workflowId, HistoryEventType type, int count = 1) =>
        ForHistoryAsync(env, workflowId, h => h.Count(e => e.Type == type) >= count, $"{count} x {type}");

    /// <summary>Replays the workflow's recorded history against its code: it must reproduce every recorded command.</summary>
    public static async Task<IReadOnlyList<HistoryEvent>> ReplaysAsync<TWorkflow>(DurableTestEnvironment env, string workflowId, string? runId = null)
        where TWorkflow : class, new()
    {
        var history = await env.Client.GetHistoryAsync(workflowId, runId);
        var description = await env.Client.DescribeAsync(workflowId, runId);
        WorkflowReplayer.Replay<TWorkflow>(history, workflowId, description!.RunId);
        return history;
    }

    public static async Task<string> DumpAsync(DurableTestEnvironment env, string workflowId)
    {
        var description = await env.Client.DescribeAsync(workflowId);
        var history = description is null ? [] : await env.Client.GetHistoryAsync(workflowId);
        return JsonSerializer.Serialize(description, DurableJson.Options) + "\n" + string.Join("\n", history.Select(e => $"{e.EventId}: {e} {e.Payload} {e.Error}"));
    }
}

internal static class HistoryExtensions
{
    public static IReadOnlyList<HistoryEventType> Types(this IEnumerable<HistoryEvent> history) => [.. history.Select(e => e.Type)];

    public static IReadOnlyList<HistoryEvent> OfType(this IEnumerable<HistoryEvent> history, HistoryEventType type) => [.. history.Where(e => e.Type == type)];

    /// <summary>Index of the first event of <paramref name="type"/> (optionally with that sequence), or -1.</summary>
    public static int IndexOf(this IReadOnlyList<HistoryEvent> history, HistoryEventType type, int? sequence = null)
    {
        for (var i = 0; i < history.Count; i++)
        {
            if (history[i].Type == type && (sequence is null || history[i].Sequence == sequence))
            {
                return i;
            }
        }
        return -1;
    }

    /// <summary>The events of each activation, starting at its ActivationStarted.</summary>
    public static IReadOnlyList<IReadOnlyList<HistoryEvent>> Activations(this IReadOnlyList<HistoryEvent> history)
    {
        var activations = new List<IReadOnlyList<HistoryEvent>>();
        List<HistoryEvent>? current = null;
        foreach (var e in history)
        {
            if (e.Type == HistoryEventType.ActivationStarted)
            {
                current = [];
                activations.Add(current);
            }
            current?.Add(e);
        }
        return activations;
    }
}

/// <summary>Counts activity attempts and side effects, shared by all activity instances of one environment.</summary>
public sealed class AttemptLog
{
    private readonly ConcurrentQueue<(string Activity, string Key, int Attempt)> _attempts = new();
    private readonly ConcurrentDictionary<string, int> _effects = new(StringComparer.Ordinal);

    public void Attempt(string activity, string key, int attempt) => _attempts.Enqueue((activity, key, attempt));

    public IReadOnlyList<(string Activity, string Key, int Attempt)> Attempts => [.. _attempts];

    public int AttemptsOf(string activity) => _attempts.Count(a => a.Activity == activity);

    /// <summary>Applies an effect once per idempotency key, as an external system would; returns how often the key was seen.</summary>
    public int Effect(string key) => _effects.AddOrUpdate(key, 1, (_, n) => n + 1);

    public IReadOnlyDictionary<string, int> Effects => _effects;
}

/// <summary>Lets a test hold an activity while it runs: the activity reports it entered, then waits for the test to open the gate.</summary>
public sealed class ActivityGate
{
    private readonly TaskCompletionSource _entered = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _open = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _entries;

    public int Entries => Volatile.Read(ref _entries);

    public Task Entered => _entered.Task;

    public bool IsOpen => _open.Task.IsCompleted;

    public async Task PassAsync(CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _entries);
        _entered.TrySetResult();
        await _open.Task.WaitAsync(cancellationToken);
    }

    public void Open() => _open.TrySetResult();

    public Task WaitEnteredAsync() => _entered.Task.WaitAsync(Wait.HangGuard);

    /// <summary>Opens the gate when disposed, so a failing test does not leave an activity for shutdown to wait on.</summary>
    public IDisposable OpenOnExit() => new Opener(this);

    private sealed class Opener(ActivityGate gate) : IDisposable
    {
        public void Dispose() => gate.Open();
    }
}

/// <summary>A temporary folder for a SQLite store of a test; disposing closes SQLite's pooled connections to it and deletes it.</summary>
internal sealed class TemporaryStoreFolder(string prefix) : IDisposable
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory(prefix);

    /// <summary>The store file's path in the folder.</summary>
    public string StorePath => Path.Combine(_folder.FullName, "durable.db");

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _folder.Delete(recursive: true);
    }
}

/// <summary>Sums the engine's counters (the Durable meter) while alive; with a workflow type, only measurements tagged with it.</summary>
internal sealed class EngineCounters : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<string, long> _sums = new(StringComparer.Ordinal);

    public EngineCounters(string? workflowType = null)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == Diagnostics.DurableTelemetry.Name)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            if (workflowType is null || HasType(tags, workflowType))
            {
                _sums.AddOrUpdate(instrument.Name, value, (_, sum) => sum + value);
            }
        });
        _listener.Start();
    }

    /// <summary>The sum so far of the counter named <paramref name="instrument"/>.</summary>
    public long this[string instrument] => _sums.GetValueOrDefault(instrument);

    public void Dispose() => _listener.Dispose();

    private static bool HasType(ReadOnlySpan<KeyValuePair<string, object?>> tags, string workflowType)
    {
        foreach (var tag in tags)
        {
            if (tag.Key == "type" && Equals(tag.Value, workflowType))
            {
                return true;
            }
        }
        return false;
    }
}

/// <summary>Activation commits built by hand, for tests that drive a store directly.</summary>
internal static class TestCommits
{
    /// <summary>An activation of <paramref name="task"/> that consumes its inputs and issues <paramref name="commands"/>; event ids assigned here.</summary>
    public static ActivationCommit Consuming(WorkflowTask task, DateTimeOffset now, params HistoryEvent[] commands)
    {
        HistoryEvent[] events = [new() { Type = HistoryEventType.ActivationStarted, Timestamp = now }, .. task.Inbox.Select(i => i.Event), .. commands];
        return new ActivationCommit
        {
            WorkflowId = task.WorkflowId,
            RunId = task.RunId,
            Type = task.Type,
            ExpectedNextEventId = task.NextEventId,
            ConsumedInbox = [.. task.Inbox.Select(i => i.Id)],
            NewEvents = [.. events.Select((e, i) => e with { EventId = task.NextEventId + i })],
            Now = now,
        };
    }
}
