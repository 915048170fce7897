using Durable.Client;
using FoodOrdering.Domain.Drivers;
using FoodOrdering.Domain.Geo;

namespace FoodOrdering.Host.Food;

/// <summary>
/// Makes sure every region's matcher runs before the host serves requests. Starting one that already runs returns
/// it (the workflow id is the key, and the store decides atomically), so several hosts starting at once still get one
/// matcher per region. A store that does not answer yet (a database restarting) is retried in the background
/// rather than failing the host's start.
/// </summary>
public sealed partial class MatcherBootstrap(DurableClient client, ILogger<MatcherBootstrap> logger) : IHostedService, IDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private Task _retries = Task.CompletedTask;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            await StartMatchersAsync(cancellationToken);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            LogStartFailed(ex);
            _retries = RetryAsync(_stopping.Token);
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        await _retries.WaitAsync(cancellationToken).ContinueWith(_ => { }, TaskScheduler.Default);
    }

    private async Task StartMatchersAsync(CancellationToken cancellationToken)
    {
        foreach (var region in Regions.All)
        {
            await client.StartAsync<RegionMatcherWorkflow, MatcherState, MatcherState>(region.MatcherWorkflowId, new MatcherState { RegionId = region.Id },
                new Durable.StartWorkflowOptions { IdReusePolicy = Durable.WorkflowIdReusePolicy.AllowDuplicate }, cancellationToken);
        }
    }

    private async Task RetryAsync(CancellationToken stoppingToken)
    {
        var delay = TimeSpan.FromMilliseconds(200);
        while (!stoppingToken.IsCancellationRequested)
        {
            await Task.Delay(delay, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            try
            {
                await StartMatchersAsync(stoppingToken);
                return;
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                LogStartFailed(ex);
                delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 5_000));
            }
        }
    }

    public void Dispose() => _stopping.Dispose();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Starting the regions' matchers failed; retrying in the background")]
    private partial void LogStartFailed(Exception exception);
}
