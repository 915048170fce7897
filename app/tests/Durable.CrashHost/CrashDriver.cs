using System.Diagnostics;
using Durable.Client;
using Durable.Storage;
using Microsoft.Extensions.Hosting;

namespace Durable.CrashHost;

/// <summary>
/// Starts crash-0 .. crash-(N-1) (ids are idempotency keys, so starting again after a crash is harmless),
/// then prints how many have completed until the host stops. Its stdout lines are a protocol for tests:
/// <c>STARTING</c>, <c>READY</c>, <c>PROGRESS completed=n</c>.
/// </summary>
public sealed class CrashDriver(DurableClient client, CrashHostOptions options) : BackgroundService
{
    public const string IdPrefix = "crash-";
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromMilliseconds(50);

    /// <summary>Starts are spread out like arriving traffic, so completions are spread too and a kill lands mid-stream.</summary>
    private static readonly TimeSpan StartSpacing = TimeSpan.FromMilliseconds(10);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        Console.Out.WriteLine($"STARTING pid={Environment.ProcessId}");
        var started = 0;
        for (var i = 0; i < options.Start; i++)
        {
            var handle = await client.StartAsync<CrashWorkflow, int, CrashSummary>($"{IdPrefix}{i}", i,
                new StartWorkflowOptions { StartDelay = StartSpacing * i }, stoppingToken);
            started += handle.Started ? 1 : 0;
            if (i + 1 == options.KillAfterStarts)
            {
                // A test cannot kill from outside reliably between two starts (they take a millisecond): die here, as kill -9 would.
                Console.Out.WriteLine($"KILLING after {i + 1} starts");
                Process.GetCurrentProcess().Kill();
            }
        }
        Console.Out.WriteLine($"READY started={started} existing={options.Start - started}");

        using var timer = new PeriodicTimer(ProgressInterval);
        do
        {
            Console.Out.WriteLine($"PROGRESS completed={await CountCompletedAsync(stoppingToken)}");
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    private async Task<int> CountCompletedAsync(CancellationToken cancellationToken)
    {
        var query = new WorkflowQuery { IdPrefix = IdPrefix, Status = WorkflowStatus.Completed, PageSize = 1000 };
        var count = 0;
        do
        {
            var page = await client.ListAsync(query, cancellationToken);
            count += page.Items.Count;
            query = query with { PageToken = page.NextPageToken };
        }
        while (query.PageToken is not null);
        return count;
    }
}
