using FoodOrdering.Domain.Geo;
using FoodOrdering.DriverSimulator;
using Spectre.Console;

namespace FoodOrdering.EndToEnd.Tests;

/// <summary>The simulator's output: plain log lines when not on a terminal, the Spectre live view when on one.</summary>
public sealed class SimulatorConsoleTests
{
    private static readonly DriverLine Driving = new("berlin", "to the customer", new GeoPoint(52.52, 13.405), "order-7", 3);

    [Fact]
    public async Task Write_NotOnATerminal_WritesPlainTimestampedLinesAndNoTable()
    {
        var plain = new StringWriter();
        var (console, drawn) = StringConsole();
        var output = new SimulatorConsole(console, live: false, plain, TimeProvider.System);

        output.Update("driver-01", Driving);
        output.Write("driver-01: delivered order order-7");
        await output.RunLiveAsync(CancellationToken.None);

        var line = Assert.Single(plain.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries));
        Assert.Matches(@"^\d\d:\d\d:\d\d driver-01: delivered order order-7$", line);
        Assert.Equal("", drawn.ToString());
    }

    [Fact]
    public async Task RunLiveAsync_OnATerminal_DrawsDriversThroughputAndRecentLinesUntilCancelled()
    {
        var plain = new StringWriter();
        var (console, drawn) = StringConsole();
        var output = new SimulatorConsole(console, live: true, plain, TimeProvider.System);
        output.Update("driver-01", Driving);
        output.Update("driver-02", new DriverLine("berlin", "waiting for work", new GeoPoint(52.5, 13.4), null, 0));
        output.Write("driver-01: job delivery-order-7");
        using var stop = new CancellationTokenSource();

        var live = output.RunLiveAsync(stop.Token);
        await stop.CancelAsync();
        await live.WaitAsync(TimeSpan.FromSeconds(30));

        var screen = drawn.ToString();
        Assert.Contains("FoodOrdering drivers", screen, StringComparison.Ordinal);
        Assert.Matches(@"driver-01 +│ berlin +│ to the customer +│ 52\.5200, 13\.4050 +│ order-7 +│ +3", screen);
        Assert.Matches(@"driver-02 +│ berlin +│ waiting for work +│ 52\.5000, 13\.4000 +│ - +│ +0", screen);
        Assert.Contains("1 on a job, 1 waiting", screen, StringComparison.Ordinal);
        Assert.Contains("driver-01: job delivery-order-7", screen, StringComparison.Ordinal);
        // On a terminal the log lines live in the view, not in plain output that would scroll the table away.
        Assert.Equal("", plain.ToString());
    }

    [Fact]
    public void Render_OrdersOfTheCustomersMode_ChartsEachStatusAndDropsStatusesNoLongerHeld()
    {
        var (console, drawn) = StringConsole();
        var output = new SimulatorConsole(console, live: true, TextWriter.Null, TimeProvider.System);

        output.UpdateOrders(new Dictionary<string, int> { ["PLACED"] = 2, ["IN_PREPARATION"] = 1 });
        output.UpdateOrders(new Dictionary<string, int> { ["IN_PREPARATION"] = 2, ["DELIVERED"] = 4 });
        console.Write(output.Render());

        var screen = drawn.ToString();
        Assert.Contains("Orders per status", screen, StringComparison.Ordinal);
        Assert.Matches(@"DELIVERED .*4", screen);
        Assert.Matches(@"IN_PREPARATION .*2", screen);
        Assert.DoesNotContain("PLACED", screen, StringComparison.Ordinal);
        Assert.Contains("6 orders placed", screen, StringComparison.Ordinal);
        Assert.DoesNotContain("FoodOrdering drivers", screen, StringComparison.Ordinal);
    }

    /// <summary>A Spectre console that renders into a string: no colours, no cursor movement, wide enough for the table.</summary>
    private static (IAnsiConsole Console, StringWriter Drawn) StringConsole()
    {
        var drawn = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors, Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(drawn),
        });
        console.Profile.Width = 160;
        return (console, drawn);
    }
}
