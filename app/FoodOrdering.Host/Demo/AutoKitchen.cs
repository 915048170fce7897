using Durable;
using Durable.Client;
using Durable.Hosting;
using Durable.Runtime;
using Durable.Storage;
using Microsoft.Extensions.Options;

namespace FoodOrdering.Host.Demo;

/// <summary>
/// Plays the restaurant for demo orders: every order that reaches IN_PREPARATION is signalled "prepared"
/// after <see cref="DemoOptions.KitchenDelay"/>. Driven by the engine's change feed, not by polling.
/// </summary>
internal sealed partial class AutoKitchen(
    DurableClient client, DurableEngine engine, IOptions<DemoOptions> options, TimeProvider time, ILogger<AutoKitchen> logger) : BackgroundService
{
    private const string Cook = "auto-kitchen";
    private static readonly string WorkflowType = WorkflowNames.Of<DemoOrderWorkflow>();

    private readonly Lock _gate = new();
    private readonly Dictionary<string, Task> _cooking = new(StringComparer.Ordinal);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.AutoKitchen)
        {
            return;
        }
        try
        {
            await RunAsync(stoppingToken);
        }
        finally
        {
            Task[] cooking;
            lock (_gate)
            {
                cooking = [.. _cooking.Values];
            }
            await Task.WhenAll(cooking);
        }
    }

    private async Task RunAsync(CancellationToken stoppingToken)
    {
        long? position = null;
        var retryDelay = TimeSpan.FromSeconds(1);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (position is null)
                {
                    // Read the feed's position before listing what already waits (orders left in preparation by
                    // the last run of the host), so an order that changes in between is seen by one or the other.
                    await engine.EnsureInitializedAsync();
                    position = await engine.Store.GetLastChangeSequenceAsync(stoppingToken);
                    await CookWaitingOrdersAsync(stoppingToken);
                }
                await foreach (var change in client.WatchAsync(position, stoppingToken))
                {
                    position = change.Sequence;
                    if (change.Kind == WorkflowChangeKind.StatusChanged && change.Type == WorkflowType && IsInPreparation(change.CustomStatus))
                    {
                        StartCooking(change.WorkflowId, stoppingToken);
                    }
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // The store may be briefly unavailable (disk full, locked); resume from the last change seen.
                LogFeedFailed(ex, retryDelay);
                await Task.Delay(retryDelay, time, stoppingToken);
            }
        }
    }

    private async Task CookWaitingOrdersAsync(CancellationToken cancellationToken)
    {
        var query = new WorkflowQuery { Type = WorkflowType, Status = WorkflowStatus.Running, PageSize = 500 };
        do
        {
            var page = await client.ListAsync(query, cancellationToken);
            foreach (var order in page.Items.Where(o => IsInPreparation(o.CustomStatus)))
            {
                StartCooking(order.WorkflowId, cancellationToken);
            }
            query = query with { PageToken = page.NextPageToken };
        }
        while (query.PageToken is not null);
    }

    private static bool IsInPreparation(string? customStatus) =>
        customStatus is not null && DurableJson.Deserialize<DemoOrderStatus?>(customStatus)?.Status == DemoOrderState.InPreparation;

    private void StartCooking(string orderId, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            // The startup listing and the feed can both report an order; cook it once. Task.Run keeps CookAsync's
            // removal (which takes this lock) from running before the add.
            if (!_cooking.ContainsKey(orderId))
            {
                _cooking.Add(orderId, Task.Run(() => CookAsync(orderId, cancellationToken), CancellationToken.None));
            }
        }
    }

    private async Task CookAsync(string orderId, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(options.Value.KitchenDelay, time, cancellationToken);
            await client.SignalAsync(orderId, DemoOrderWorkflow.PreparedSignal, new Prepared(Cook), cancellationToken);
            LogPrepared(orderId);
        }
        catch (WorkflowNotFoundException)
        {
            LogOrderGone(orderId);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Shutting down: the order is still in preparation in the store and is picked up at the next start.
        }
        catch (Exception ex)
        {
            LogSignalFailed(ex, orderId);
        }
        finally
        {
            lock (_gate)
            {
                _cooking.Remove(orderId);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Auto kitchen prepared order {OrderId}")]
    private partial void LogPrepared(string orderId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Order {OrderId} closed before the auto kitchen finished it")]
    private partial void LogOrderGone(string orderId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Auto kitchen could not signal order {OrderId}")]
    private partial void LogSignalFailed(Exception exception, string orderId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Auto kitchen lost the change feed; resubscribing in {Delay}")]
    private partial void LogFeedFailed(Exception exception, TimeSpan delay);
}
