using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Text;
using System.Text.Json;
using Durable;
using Durable.Client;
using Durable.Storage;
using FoodOrdering.Domain.Orders;
using FoodOrdering.Host.Food;

namespace FoodOrdering.Host.Telemetry;

/// <summary>
/// Orders by status (meter "FoodOrdering"): the known orders' latest status, read once from the store at start
/// and kept current from the change feed, observed as a gauge; and a counter of every status reached. Only orders
/// under way are held one by one; an ended order (its run closed) is a count in its final status, so the memory
/// this takes follows the orders in flight, not every order the store has seen.
/// </summary>
public sealed partial class OrderMetrics : BackgroundService
{
    public const string MeterName = "FoodOrdering";

    private static readonly Dictionary<OrderState, string> Names = Enum.GetValues<OrderState>().ToDictionary(s => s, OrdersApi.Name);
    private static readonly Dictionary<string, OrderState> ByName = Names.ToDictionary(n => n.Value, n => n.Key, StringComparer.Ordinal);

    private readonly ConcurrentDictionary<string, OrderState> _open = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<OrderState, long> _ended = new();
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
    public IReadOnlyDictionary<string, long> ByStatus()
    {
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var state in _open.Values)
        {
            counts[Names[state]] = counts.GetValueOrDefault(Names[state]) + 1;
        }
        foreach (var (state, count) in _ended)
        {
            counts[Names[state]] = counts.GetValueOrDefault(Names[state]) + count;
        }
        return counts;
    }

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
                Apply(changes.Current);
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
                    if (State(item.CustomStatus) is not { } state)
                    {
                        continue;
                    }
                    if (item.Status == WorkflowStatus.Running)
                    {
                        _open.TryAdd(item.WorkflowId, state);
                    }
                    else
                    {
                        _ended.AddOrUpdate(state, 1, (_, n) => n + 1);
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

    private void Apply(WorkflowChange change)
    {
        if (State(change.CustomStatus) is not { } state || change.Status == WorkflowStatus.ContinuedAsNew)
        {
            return;
        }
        var known = change.Kind == WorkflowChangeKind.Closed ? _open.TryRemove(change.WorkflowId, out var before) : _open.TryGetValue(change.WorkflowId, out before);
        if (!known || before != state)
        {
            _transitions.Add(1, new KeyValuePair<string, object?>("status", Names[state]));
        }
        if (change.Kind == WorkflowChangeKind.Closed)
        {
            _ended.AddOrUpdate(state, 1, (_, n) => n + 1);
        }
        else
        {
            _open[change.WorkflowId] = state;
        }
    }

    /// <summary>The "state" of an order's status, read without the rest of it (every order change comes here).</summary>
    private static OrderState? State(string? customStatus)
    {
        if (customStatus is null)
        {
            return null;
        }
        var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(customStatus));
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return null;
        }
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("state"u8))
            {
                return reader.Read() && reader.TokenType == JsonTokenType.String && ByName.TryGetValue(reader.GetString()!, out var state) ? state : null;
            }
            reader.Skip();
        }
        return null;
    }

    private IEnumerable<Measurement<long>> Observe() =>
        ByStatus().Select(s => new Measurement<long>(s.Value, new KeyValuePair<string, object?>("status", s.Key)));

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reading the orders for the status metrics failed; counting from the change feed only")]
    private partial void LogLoadFailed(Exception exception);
}
