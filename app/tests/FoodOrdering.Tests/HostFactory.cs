using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;

namespace FoodOrdering.Tests;

/// <summary>The real host in memory, on its own SQLite file in a temporary folder that is deleted afterwards.</summary>
public sealed class HostFactory : WebApplicationFactory<Program>
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "foodordering-tests", Guid.NewGuid().ToString("N"));

    public string StorePath => Path.Combine(_directory, "durable.db");

    protected override void ConfigureWebHost(IWebHostBuilder builder) =>
        // App configuration, not UseSetting: appsettings.json is read after host settings and would win over them.
        builder.ConfigureAppConfiguration((_, configuration) => configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Durable:StorePath"] = StorePath,
            // The kitchen still goes through the change feed and a real signal; it just does not wait.
            ["FoodOrdering:DataDirectory"] = Path.Combine(_directory, "data"),
            // The host's own logs would drown the test results; warnings and errors still show.
            ["Logging:LogLevel:Default"] = "Warning",
        }));

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is harmless.
        }
    }
}
