using System.Collections.Concurrent;
using System.Globalization;
using FoodOrdering.Domain.Geo;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace FoodOrdering.DriverSimulator;

/// <summary>One driver's line in the live view.</summary>
internal sealed record DriverLine(string Region, string Activity, GeoPoint Position, string? Job, int Delivered);

/// <summary>
/// The simulator's output: a live table of drivers when attached to a terminal, plain timestamped log
/// lines otherwise (CI, pipes, files).
/// </summary>
internal sealed class SimulatorConsole
{
    private const int RecentLines = 8;
    private readonly ConcurrentDictionary<string, DriverLine> _drivers = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _recent = new();
    private readonly ConcurrentDictionary<string, int> _orders = new(StringComparer.Ordinal);
    private readonly IAnsiConsole _console;
    private readonly TextWriter _plain;
    private readonly TimeProvider _time;
    private readonly DateTimeOffset _started;

    /// <param name="console">Where the live table is drawn.</param>
    /// <param name="live">Draw the live table (a terminal), or write plain log lines to <paramref name="plain"/>.</param>
    public SimulatorConsole(IAnsiConsole console, bool live, TextWriter plain, TimeProvider time)
    {
        _console = console;
        _plain = plain;
        _time = time;
        _started = time.GetUtcNow();
        IsLive = live;
    }

    /// <summary>The process's console: live on an interactive terminal, plain when the output is redirected.</summary>
    public static SimulatorConsole Current { get; } = new(AnsiConsole.Console,
        !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive, Console.Out, TimeProvider.System);

    public bool IsLive { get; }

    public static void Log(string message) => Current.Write(message);

    public void Write(string message)
    {
        var line = $"{_time.GetLocalNow():HH:mm:ss} {message}";
        if (!IsLive)
        {
            _plain.WriteLine(line);
            return;
        }
        _recent.Enqueue(line);
        while (_recent.Count > RecentLines && _recent.TryDequeue(out _))
        {
        }
    }

    public void Update(string driverId, DriverLine line) => _drivers[driverId] = line;

    /// <summary>How many of the orders placed here are in each status (customers mode), replacing the previous counts.</summary>
    public void UpdateOrders(IReadOnlyDictionary<string, int> countsByStatus)
    {
        foreach (var gone in _orders.Keys.Except(countsByStatus.Keys))
        {
            _orders.TryRemove(gone, out _);
        }
        foreach (var (status, count) in countsByStatus)
        {
            _orders[status] = count;
        }
    }

    /// <summary>Redraws the table twice a second until cancelled; does nothing when not on a terminal.</summary>
    public Task RunLiveAsync(CancellationToken cancellationToken) => !IsLive ? Task.CompletedTask :
        _console.Live(Render()).StartAsync(async live =>
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                live.UpdateTarget(Render());
                try
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(500), _time, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
            live.UpdateTarget(Render());
        });

    /// <summary>The live view: the drivers' table and their throughput, the orders per status, and the latest log lines.</summary>
    internal IRenderable Render()
    {
        var parts = new List<IRenderable>();
        if (!_drivers.IsEmpty)
        {
            parts.AddRange(RenderDrivers());
        }
        if (!_orders.IsEmpty)
        {
            var orders = new BarChart().Label("[bold]Orders per status[/]").LeftAlignLabel();
            foreach (var (status, count) in _orders.OrderBy(o => o.Key, StringComparer.Ordinal))
            {
                orders.AddItem(Markup.Escape(status), count, Color.Green);
            }
            var total = _orders.Values.Sum();
            var minutes = Math.Max(1.0 / 60, (_time.GetUtcNow() - _started).TotalMinutes);
            parts.Add(orders);
            parts.Add(new Markup(string.Create(CultureInfo.InvariantCulture, $"[bold]{total}[/] orders placed, [bold]{total / minutes:0.0}[/]/min. Ctrl+C stops.")));
        }
        parts.Add(new Text(string.Join(Environment.NewLine, _recent)));
        return new Rows(parts);
    }

    private IEnumerable<IRenderable> RenderDrivers()
    {
        var table = new Table().Border(TableBorder.Rounded).Title("[bold]FoodOrdering drivers[/]")
            .AddColumn("Driver").AddColumn("Region").AddColumn("Doing").AddColumn("Position").AddColumn("Job").AddColumn(new TableColumn("Delivered").RightAligned());
        foreach (var (id, line) in _drivers.OrderBy(d => d.Key, StringComparer.Ordinal))
        {
            table.AddRow(Markup.Escape(id), Markup.Escape(line.Region), Markup.Escape(line.Activity),
                string.Create(CultureInfo.InvariantCulture, $"{line.Position.Lat:0.0000}, {line.Position.Lon:0.0000}"),
                Markup.Escape(line.Job ?? "-"), line.Delivered.ToString(CultureInfo.InvariantCulture));
        }
        var delivered = _drivers.Values.Sum(d => d.Delivered);
        var minutes = Math.Max(1.0 / 60, (_time.GetUtcNow() - _started).TotalMinutes);
        var summary = new Markup(string.Create(CultureInfo.InvariantCulture, $"[bold]{delivered}[/] deliveries, [bold]{delivered / minutes:0.0}[/]/min; ") +
            $"{_drivers.Values.Count(d => d.Job is not null)} on a job, {_drivers.Values.Count(d => d.Job is null)} waiting. Ctrl+C ends the shifts.");
        return [table, summary];
    }
}
