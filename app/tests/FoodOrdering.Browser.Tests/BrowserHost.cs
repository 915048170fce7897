using System.Net;
using System.Net.Sockets;
using FoodOrdering.Host.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Playwright;

namespace FoodOrdering.Browser.Tests;

/// <summary>
/// The real host on a real port (Kestrel, so a browser can reach it), on a temporary folder, serving the built
/// web UI, and Debian's Chromium driven by Playwright. Shared by the tests of a class.
/// </summary>
public sealed class BrowserHost : WebApplicationFactory<Program>, IAsyncLifetime
{
    private static readonly string[] ChromiumArgs =
        ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"];

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "foodordering-browser-tests", Guid.NewGuid().ToString("N"));
    private readonly int _port = FreePort();
    private IPlaywright? _playwright;

    public Uri BaseUrl => new($"http://127.0.0.1:{_port}/");

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
        UseKestrel(_port);
        StartServer();
        Directory.CreateDirectory(ScreenshotDirectory);
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new() { ExecutablePath = "/usr/bin/chromium", Args = ChromiumArgs, Headless = true });
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder) =>
        builder.ConfigureAppConfiguration((_, configuration) => configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Durable:StorePath"] = Path.Combine(_directory, "durable.db"),
            ["FoodOrdering:DataDirectory"] = Path.Combine(_directory, "data"),
            // The point of sale calls back to this URL, so it must be the real one.
            ["FoodOrdering:PublicBaseUrl"] = BaseUrl.ToString(),
            ["Logging:LogLevel:Default"] = "Warning",
        }));

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

    public static Task ScreenshotAsync(IPage page, string name) =>
        page.ScreenshotAsync(new() { Path = Path.Combine(ScreenshotDirectory, name + ".png"), FullPage = true });

    async Task IAsyncLifetime.DisposeAsync()
    {
        if (_playwright is not null)
        {
            await Browser.CloseAsync();
            _playwright.Dispose();
        }
        await DisposeAsync();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is harmless.
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
