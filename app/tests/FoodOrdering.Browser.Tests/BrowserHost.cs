using System.Globalization;
using FoodOrdering.Host.Infrastructure;
using FoodOrdering.Testing;
using Microsoft.Playwright;

namespace FoodOrdering.Browser.Tests;

/// <summary>
/// The whole system as it runs for real, shared by the tests of a class: the host process (its embedded Kafka broker,
/// SQLite files in a temporary folder) serving the built web UI, simulated drivers (the driver simulator process),
/// and Debian's Chromium driven by Playwright.
/// </summary>
public sealed class BrowserHost : IAsyncLifetime
{
    /// <summary>
    /// The whole system runs this many times faster than real time, so a simulated drive across town takes seconds;
    /// kitchens cook faster too, so an order that the kitchen display finishes by hand must be a big one.
    /// </summary>
    public const double TimeScale = 10;

    /// <summary>The simulated drivers, all in San Jose where the shop's first restaurant is, at the simulator's top speed.</summary>
    public const int Drivers = 2;

    private static readonly string[] ChromiumArgs =
        ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"];

    private FoodOrderingSystem? _system;
    private IPlaywright? _playwright;

    public Uri BaseUrl => System.BaseAddress;

    public FoodOrderingSystem System => _system ?? throw new InvalidOperationException("Not started.");

    public ChildProcess Simulator { get; private set; } = null!;

    public IBrowser Browser { get; private set; } = null!;

    /// <summary>Where the screenshots go: the test output folder.</summary>
    public static string ScreenshotDirectory { get; } = Path.Combine(AppContext.BaseDirectory, "screenshots");

    public async Task InitializeAsync()
    {
        if (WebUiExtensions.FindRoot(null, AppContext.BaseDirectory) is null)
        {
            throw new InvalidOperationException("web/dist is not built: run `npm ci && npm run build` in web/ (infra/test.sh does) before the browser tests.");
        }
        // Every page waits on the real host; 5 s (Playwright's default) is short while other test projects load the machine.
        Assertions.SetDefaultExpectTimeout(20_000);
        _system = await FoodOrderingSystem.StartAsync(new Dictionary<string, string>
        {
            ["FoodOrdering__TimeScale"] = TimeScale.ToString(CultureInfo.InvariantCulture),
            // The kitchen display's order is a big one (see TimeScale), above the payment stub's default limit.
            ["FoodOrdering__PaymentLimit"] = "10000",
        });
        // The simulator reads the time scale from /api/info: one simulated second between positions is 0.1 s here.
        Simulator = System.StartSimulator("drivers", "-n", Drivers.ToString(CultureInfo.InvariantCulture), "--regions", "san-jose", "--speed", "100", "--pause", "00:00:01");
        Directory.CreateDirectory(ScreenshotDirectory);
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new() { ExecutablePath = "/usr/bin/chromium", Args = ChromiumArgs, Headless = true });
    }

    public async Task<IPage> NewPageAsync(int width = 1280, int height = 900)
    {
        var context = await Browser.NewContextAsync(new() { BaseURL = BaseUrl.ToString(), ViewportSize = new() { Width = width, Height = height } });
        var page = await context.NewPageAsync();
        // Chromium reports what the Content-Security-Policy blocked on the console.
        page.Console += (_, message) =>
        {
            if (message.Text.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase))
            {
                CspViolations.Enqueue(message.Text);
            }
        };
        return page;
    }

    /// <summary>Everything the host's Content-Security-Policy blocked in any page so far: the UI must need nothing it forbids.</summary>
    public System.Collections.Concurrent.ConcurrentQueue<string> CspViolations { get; } = new();

    public static Task ScreenshotAsync(IPage page, string name, bool fullPage = true) =>
        page.ScreenshotAsync(new() { Path = Path.Combine(ScreenshotDirectory, name + ".png"), FullPage = fullPage });

    public async Task DisposeAsync()
    {
        if (_playwright is not null)
        {
            await Browser.CloseAsync();
            _playwright.Dispose();
        }
        if (_system is not null)
        {
            await _system.DisposeAsync();
        }
    }
}
