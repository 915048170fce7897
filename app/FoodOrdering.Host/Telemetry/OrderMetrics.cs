using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Durable;
using Durable.Client;
using Durable.Storage;
using FoodOrdering.Domain.Orders;
using FoodOrdering.Host.Food;

namespace FoodOrdering.Host.Telemetry;

/// <summary>
/// Orders by status (meter "FoodOrdering"): the known orders' latest status, read once from the store at start
/// and kept current from the change feed, observed as a gauge; and a counter of every status reached.
/// </summary>
public sealed partial class OrderMetrics : BackgroundService
{
    public const string MeterName = "FoodOrdering";

    private readonly ConcurrentDictionary<string, OrderState> _states = new(StringComparer.Ordinal);
    private readonly DurableClient _client;
    private readonly ChangeHub _hub;
    private readonly ILogger<OrderMetrics> _logger;
    private readonly Counter<long> _transitions;

    public OrderMetrics(DurableClient client, ChangeHub hub, IMeterFactory meters, ILogger<OrderMetrics> logger)
    {
        _client = client;
        _hub = hub;
        _logger = logger;
        var meter = meters.Create(MeterName, "1.0.0");
        meter.CreateObservableGauge("foodordering.orders", Observe, "{order}", "Orders by their current status.");
        _transitions = meter.CreateCounter<long>("foodordering.order.transitions", "{transition}", "Statuses reached by orders, by status.");
    }

    /// <summary>The current count of orders in each status (names as in the API: CREATED, DELIVERED, ...).</summary>
    public IReadOnlyDictionary<string, long> ByStatus() =>
        _states.Values.GroupBy(s => OrdersApi.Name(s)).ToDictionary(g => g.Key, g => (long)g.Count(), StringComparer.Ordinal);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Subscribed before the store is read, so nothing between the two is missed; the feed's newer word wins.
        var changes = _hub.SubscribeAsync(c => c.Type == OrdersApi.OrderType, stoppingToken).GetAsyncEnumerator(stoppingToken);
        try
        {
            var moved = changes.MoveNextAsync();
            await LoadAsync(stoppingToken);
            while (await moved)
            {
                if (State(changes.Current.CustomStatus) is { } state && changes.Current.Status != WorkflowStatus.ContinuedAsNew
                    && (!_states.TryGetValue(changes.Current.WorkflowId, out var before) || before != state))
                {
                    _states[changes.Current.WorkflowId] = state;
                    _transitions.Add(1, new KeyValuePair<string, object?>("status", OrdersApi.Name(state)));
                }
                moved = changes.MoveNextAsync();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
        finally
        {
            await changes.DisposeAsync();
        }
    }

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        try
        {
            string? token = null;
            do
            {
                var page = await _client.ListAsync(new WorkflowQuery { Type = OrdersApi.OrderType, PageSize = 500, PageToken = token }, cancellationToken);
                foreach (var item in page.Items.Where(i => i.Status != WorkflowStatus.ContinuedAsNew))
                {
                    if (State(item.CustomStatus) is { } state)
                    {
                        _states.TryAdd(item.WorkflowId, state);
                    }
                }
                token = page.NextPageToken;
            }
            while (token is not null);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogLoadFailed(ex);
        }
    }

    private static OrderState? State(string? customStatus) =>
        customStatus is null ? null : DurableJson.Deserialize<OrderStatus>(customStatus)?.State;

    private IEnumerable<Measurement<long>> Observe() =>
        ByStatus().Select(s => new Measurement<long>(s.Value, new KeyValuePair<string, object?>("status", s.Key)));

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reading the orders for the status metrics failed; counting from the change feed only")]
    private partial void LogLoadFailed(Exception exception);
}
