using System.Diagnostics;
using System.Globalization;
using FoodOrdering.Domain.Orders;

namespace FoodOrdering.Chaos.Tests;

/// <summary>What a chaos run does: how many hosts and orders, and how many faults of each kind at random moments.</summary>
public sealed record ChaosPlan(
    string Name, int Hosts, int Orders, int HostKills, int BrokerOutages, int DatabaseRestarts, int Drivers, double TimeScale, TimeSpan ChaosWindow,
    TimeSpan StallLimit, int Seed = 7)
{
    /// <summary>How often (simulated time) a phone moves and publishes its position.</summary>
    public TimeSpan DriverTick { get; init; } = TimeSpan.FromSeconds(6);
}

/// <summary>A database the chaos may restart (stop, then start again on the same port and files).</summary>
public interface IRestartableDatabase
{
    Task RestartAsync();
}

/// <summary>
/// Runs a plan: starts the system, publishes the orders over the chaos window (a few twice, a few cancelled by the
/// customer) while hosts are killed with SIGKILL and restarted, Kafka brokers go down and up and the database restarts,
/// then waits until the system is quiescent (for as long as orders keep moving) and audits it.
/// </summary>
public sealed class ChaosRunner(ChaosPlan plan, ITestOutputHelper output)
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Random _random = new(plan.Seed);
    private int _kills;
    private int _restarts;
    private int _brokerOutages;
    private int _databaseRestarts;
    private int _cancelRequests;
    private int _duplicates;
    private int _progressHost;
    /// <summary>A hang guard for one fault (a kill, a broker outage, a database restart): past it the run fails and says which.</summary>
    private static readonly TimeSpan FaultLimit = TimeSpan.FromMinutes(2);

    private readonly string _logPath = Path.Combine(AppContext.BaseDirectory, $"chaos-{plan.Name}.log");

    public async Task<AuditResult> RunAsync(Func<int, string, IReadOnlyDictionary<string, string>> storeEnvironment, IRestartableDatabase? database = null)
    {
        File.Delete(_logPath);
        await using var system = ChaosSystem.Start(plan.Hosts, plan.TimeScale, storeEnvironment);
        await system.WaitHealthyAsync(TimeSpan.FromSeconds(120));
        Log($"{plan.Hosts} host(s) up ({string.Join(", ", system.Hosts.Select(h => h.BaseAddress))}), Kafka {system.Kafka.BootstrapServers}");
        var simulators = system.StartDrivers(plan.Drivers, plan.DriverTick);
        var orders = ChaosOrders.Make(plan.Orders, _random);

        using var stop = new CancellationTokenSource();
        // Either failing ends the other at once, so a failure surfaces now rather than after the rest of the schedule.
        var publishing = CancelOnFailureAsync(PublishAsync(system, orders, stop.Token), "publishing", stop);
        var faults = CancelOnFailureAsync(FaultsAsync(system, database, stop.Token), "faults", stop);
        var ids = orders.Select(o => o.Id).ToList();
        using var chaosOver = CancellationTokenSource.CreateLinkedTokenSource(stop.Token);
        var progress = ProgressAsync(system, ids, chaosOver.Token);
        try
        {
            await Task.WhenAll(publishing, faults);
        }
        catch
        {
            await stop.CancelAsync();
            throw;
        }
        finally
        {
            await chaosOver.CancelAsync();
            await progress;
        }
        Log($"chaos over: {_kills} host kills, {_restarts} restarts, {_brokerOutages} broker outages, {_databaseRestarts} database restarts; "
            + $"{orders.Count} orders published ({_duplicates} twice), {_cancelRequests} cancellations asked");
        await system.WaitHealthyAsync(TimeSpan.FromSeconds(120));

        var http = system.Hosts[^1].Http;
        // A hang guard, not a time limit: the wait goes on while orders keep moving, however slow the machine is.
        await Poll.WhileProgressingAsync(async ct =>
        {
            Assert.DoesNotContain(simulators, s => s.HasExited);
            var audit = await InvariantAudit.OrdersAsync(http, ids, ct);
            Log($"{States(audit)}; {await InvariantAudit.DriversAsync(http, ct)}");
            return audit;
        }, audit => audit.Quiescent, States, "every order to end", plan.StallLimit, TimeSpan.FromSeconds(3), system.Diagnostics);
        var result = await InvariantAudit.FullAsync(http, ids, CancellationToken.None);
        var report = $"CHAOS {plan.Name}: {plan.Hosts} host(s), {_kills} SIGKILLs and {_restarts} restarts, {_brokerOutages} Kafka broker outages, "
            + $"{_databaseRestarts} database restarts, {_duplicates} orders published twice, {_cancelRequests} cancellations asked; {result.Summary()}; "
            + $"{_clock.Elapsed.TotalSeconds:0} s in all";
        Log(report);
        foreach (var example in result.Examples)
        {
            Log("  " + example);
        }
        // One line per run next to the test binaries, which the test command prints at its end.
        await File.WriteAllTextAsync(Path.Combine(AppContext.BaseDirectory, $"chaos-{plan.Name}.txt"), report + Environment.NewLine);
        return result;
    }

    private static string States(AuditResult audit) =>
        string.Join(", ", audit.ByState.OrderBy(s => s.Key).Select(s => $"{s.Key} {s.Value}")) + $"; lost {audit.Lost}, stuck {audit.Stuck}";

    /// <summary>Every few seconds of the chaos, the orders' states and the drivers, through whichever host answers.</summary>
    private async Task ProgressAsync(ChaosSystem system, IReadOnlyCollection<string> ids, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(10), cancellationToken);
                var http = system.Hosts[_progressHost++ % system.Hosts.Count].Http;
                Log($"{States(await InvariantAudit.OrdersAsync(http, ids, cancellationToken))}; {await InvariantAudit.DriversAsync(http, cancellationToken)}");
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // The chaos is over.
            }
            catch (Exception ex)
            {
                // That host is down or restarting: the next report asks another. Said, so a silent system can be told from a dead one.
                Log($"no progress report: {ex.GetType().Name}: {ex.Message}");
            }
        }
    }

    private async Task CancelOnFailureAsync(Task work, string name, CancellationTokenSource stop)
    {
        try
        {
            await work;
        }
        catch (Exception ex) when (!stop.IsCancellationRequested)
        {
            Log($"{name} failed: {ex.GetType().Name}: {ex.Message}");
            await stop.CancelAsync();
            throw;
        }
    }

    private async Task PublishAsync(ChaosSystem system, IReadOnlyList<OrderRequest> orders, CancellationToken cancellationToken)
    {
        // The orders go out over the first two thirds of the window, so faults hit every stage of their lives.
        var spacing = plan.ChaosWindow * 2 / 3 / Math.Max(1, orders.Count);
        var start = _clock.Elapsed;
        var cancels = new List<Task>();
        // Not awaited one by one: while a broker is down its records wait in the producer, and the schedule goes on.
        var published = new List<Task>();
        for (var i = 0; i < orders.Count; i++)
        {
            var order = orders[i];
            published.Add(system.PublishAsync(order.Id, ChaosOrders.ToJson(order)));
            if (i % 50 == 25)
            {
                // Kafka delivers at least once: a repeated record must start, charge and deliver nothing again.
                published.Add(system.PublishAsync(order.Id, ChaosOrders.ToJson(order)));
                _duplicates++;
            }
            if (i % 25 == 10)
            {
                cancels.Add(CancelAsync(system, order.Id, published[^1], cancellationToken));
            }
            var due = start + spacing * (i + 1);
            if (due > _clock.Elapsed)
            {
                await Task.Delay(due - _clock.Elapsed, cancellationToken);
            }
        }
        await Task.WhenAll(published);
        await Task.WhenAll(cancels);
    }

    /// <summary>A customer's cancellation, once the order is in Kafka, through any host that answers (409 once preparation started is an answer too).</summary>
    private async Task CancelAsync(ChaosSystem system, string orderId, Task published, CancellationToken cancellationToken)
    {
        await published;
        Interlocked.Increment(ref _cancelRequests);
        for (var attempt = 0; attempt < 20 && !cancellationToken.IsCancellationRequested; attempt++)
        {
            var host = system.Hosts[Random.Shared.Next(system.Hosts.Count)];
            try
            {
                using var response = await host.Http.PostAsync($"api/orders/{orderId}/cancel", null, cancellationToken);
                if ((int)response.StatusCode is < 500 and not 404)
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                // That host is down; ask again.
            }
            await Task.Delay(TimeSpan.FromMilliseconds(300), cancellationToken);
        }
    }

    /// <summary>The faults at random moments of the window, one after another.</summary>
    private async Task FaultsAsync(ChaosSystem system, IRestartableDatabase? database, CancellationToken cancellationToken)
    {
        var window = plan.ChaosWindow.TotalMilliseconds;
        var faults = Enumerable.Repeat("kill", plan.HostKills).Concat(Enumerable.Repeat("broker", plan.BrokerOutages))
            .Concat(Enumerable.Repeat("database", database is null ? 0 : plan.DatabaseRestarts))
            .Select(kind => (At: TimeSpan.FromMilliseconds(_random.NextDouble() * window), Kind: kind))
            .OrderBy(f => f.At).ToList();
        var start = _clock.Elapsed;
        foreach (var (at, kind) in faults)
        {
            if (start + at > _clock.Elapsed)
            {
                await Task.Delay(start + at - _clock.Elapsed, cancellationToken);
            }
            switch (kind)
            {
                case "kill":
                    await KillAndRestartAsync(system, cancellationToken);
                    break;
                case "broker":
                    var broker = _random.Next(1, ChaosSystem.KafkaBrokers + 1);
                    await Task.Run(() => system.Kafka.SetBrokerDown(broker), cancellationToken).WaitAsync(FaultLimit, cancellationToken);
                    Log($"Kafka broker {broker} down");
                    await Task.Delay(TimeSpan.FromMilliseconds(_random.Next(1_000, 4_000)), cancellationToken);
                    await Task.Run(() => system.Kafka.SetBrokerUp(broker), cancellationToken).WaitAsync(FaultLimit, cancellationToken);
                    _brokerOutages++;
                    Log($"Kafka broker {broker} up");
                    break;
                case "database":
                    Log("database restarting");
                    await database!.RestartAsync().WaitAsync(FaultLimit, cancellationToken);
                    _databaseRestarts++;
                    Log("database restarted");
                    break;
            }
        }
    }

    /// <summary>
    /// SIGKILL to a random host at a random moment of its life (1-5 s after it has started answering, so every kill
    /// interrupts work rather than a start-up), and a restart on the same port.
    /// </summary>
    private async Task KillAndRestartAsync(ChaosSystem system, CancellationToken cancellationToken)
    {
        var host = system.Hosts[_random.Next(system.Hosts.Count)];
        await Poll.UntilAsync(host.IsHealthyAsync, $"host {host.Number} to answer before its kill", TimeSpan.FromSeconds(120), system.Diagnostics);
        // Some life first, even when the schedule is behind (slow restarts): a host killed as soon as it answers does no work.
        await Task.Delay(TimeSpan.FromMilliseconds(_random.Next(1_000, 5_000)), cancellationToken);
        await host.KillAsync().WaitAsync(FaultLimit, cancellationToken);
        _kills++;
        Log($"host {host.Number} killed (SIGKILL #{_kills.ToString(CultureInfo.InvariantCulture)})");
        host.Start();
        _restarts++;
    }

    /// <summary>To the test's output, and as it happens to chaos-{name}.log next to the test binaries (to follow a run live).</summary>
    private void Log(string message)
    {
        var line = $"{_clock.Elapsed.TotalSeconds,6:0.0}s {message}";
        output.WriteLine(line);
        lock (_clock)
        {
            File.AppendAllText(_logPath, line + Environment.NewLine);
        }
    }
}
