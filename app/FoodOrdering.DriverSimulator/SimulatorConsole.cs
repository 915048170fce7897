using System.Collections.Concurrent;
using FoodOrdering.Domain.Geo;
using Spectre.Console;

namespace FoodOrdering.DriverSimulator;

/// <summary>One driver's line in the live view.</summary>
internal sealed record DriverLine(string Region, string Activity, GeoPoint Position, string? Job, int Delivered);

/// <summary>
/// The simulator's output: a live table of drivers when attached to a terminal, plain timestamped log
/// lines otherwise (CI, pipes, files).
/// </summary>
internal static class SimulatorConsole
{
    private const int RecentLines = 8;
    private static readonly ConcurrentDictionary<string, DriverLine> Drivers = new(StringComparer.Ordinal);
    private static readonly ConcurrentQueue<string> Recent = new();
    private static readonly DateTimeOffset Started = DateTimeOffset.UtcNow;

    public static bool IsLive { get; } = !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive;

    public static void Log(string message)
    {
        var line = $"{DateTimeOffset.Now:HH:mm:ss} {message}";
        if (!IsLive)
        {
            Console.WriteLine(line);
            return;
        }
        Recent.Enqueue(line);
        while (Recent.Count > RecentLines && Recent.TryDequeue(out _))
        {
        }
    }

    public static void Update(string driverId, DriverLine line) => Drivers[driverId] = line;

    public static DriverLine? Get(string driverId) => Drivers.GetValueOrDefault(driverId);

    /// <summary>Redraws the table twice a second until cancelled; does nothing when not on a terminal.</summary>
    public static Task RunLiveAsync(CancellationToken cancellationToken) => !IsLive ? Task.CompletedTask :
        AnsiConsole.Live(Render()).StartAsync(async live =>
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                live.UpdateTarget(Render());
                try
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
            live.UpdateTarget(Render());
        });

    private static Rows Render()
    {
        var table = new Table().Border(TableBorder.Rounded).Title("[bold]FoodOrdering drivers[/]")
            .AddColumn("Driver").AddColumn("Region").AddColumn("Doing").AddColumn("Position").AddColumn("Job").AddColumn(new TableColumn("Delivered").RightAligned());
        foreach (var (id, line) in Drivers.OrderBy(d => d.Key, StringComparer.Ordinal))
        {
            table.AddRow(Markup.Escape(id), Markup.Escape(line.Region), Markup.Escape(line.Activity),
                $"{line.Position.Lat:0.0000}, {line.Position.Lon:0.0000}", Markup.Escape(line.Job ?? "-"), line.Delivered.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        var delivered = Drivers.Values.Sum(d => d.Delivered);
        var minutes = Math.Max(1.0 / 60, (DateTimeOffset.UtcNow - Started).TotalMinutes);
        var summary = new Markup($"[bold]{delivered}[/] deliveries, [bold]{delivered / minutes:0.0}[/]/min; " +
            $"{Drivers.Values.Count(d => d.Job is not null)} on a job, {Drivers.Values.Count(d => d.Job is null)} waiting. Ctrl+C ends the shifts.");
        return new Rows(table, summary, new Text(string.Join(Environment.NewLine, Recent)));
    }
}
