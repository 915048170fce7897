using System.Runtime.CompilerServices;
using Durable;
using Durable.Client;
using Durable.Storage;
using FoodOrdering.Domain.Orders;
using FoodOrdering.Host.Api;
using FoodOrdering.Domain.Security;
using FoodOrdering.Host.Security;
using FoodOrdering.Kafka;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace FoodOrdering.Host.Food;

/// <summary>An order as the shop sees it: its status (null until intake has started it) and how its workflow is doing.</summary>
public sealed record OrderView(string Id, OrderStatus? Status, WorkflowStatus WorkflowStatus, bool Stuck, string? StuckError, DateTimeOffset CreatedAt);

public sealed record PlaceOrder
{
    /// <summary>Made up when absent.</summary>
    public string? Id { get; init; }
    public string? RestaurantId { get; init; }
    public IReadOnlyList<OrderProduct>? Products { get; init; }
    public decimal TotalCost { get; init; }
    public long DeliveryDelay { get; init; }
    public Domain.Geo.GeoPoint? DeliveryLocation { get; init; }
}

/// <param name="CancelToken">The customer's credential for cancelling this order (POST …/cancel with "Authorization: Bearer {CancelToken}").</param>
public sealed record OrderAccepted(string Id, string StatusUrl, string EventsUrl, string CancelToken);

public sealed record CancelAccepted(string Id, string Message);

public static class OrdersApi
{
    public static readonly string OrderType = WorkflowNames.Of<OrderWorkflow>();

    /// <summary>The SSE event type of the order streams (the UI's EventSource listens for it).</summary>
    public const string OrderEvent = "order";

    public static RouteGroupBuilder MapOrdersApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/orders").WithTags("Orders");
        group.MapPost("/", PlaceAsync).WithSummary("Place an order: validated, then published to the \"orders\" topic; its workflow starts from there.");
        group.MapGet("/", ListAsync).WithSummary("Recent orders with their status.");
        group.MapGet("/events", AllEvents).LimitStreamsPerClient().WithSummary("Server-sent events: every order's status changes.");
        group.MapGet("/{id}", GetAsync).WithSummary("An order's status.");
        group.MapGet("/{id}/events", Events).LimitStreamsPerClient().WithSummary("Server-sent events: this order's status, then each change until it ends.");
        group.MapPost("/{id}/cancel", CancelAsync).WithSummary("Cancel an order before its preparation starts (refunded); needs the order's cancel token or the operator token.");
        return group;
    }

    private static async Task<Results<Accepted<OrderAccepted>, ValidationProblem, ProblemHttpResult>> PlaceAsync(
        PlaceOrder body, KafkaProducer producer, IOptions<KafkaOptions> kafka, ActorTokens tokens, CancellationToken cancellationToken)
    {
        var order = new OrderRequest
        {
            Id = string.IsNullOrWhiteSpace(body.Id) ? $"order-{Guid.NewGuid():N}"[..22] : body.Id,
            RestaurantId = body.RestaurantId!,
            Products = body.Products!,
            TotalCost = body.TotalCost,
            DeliveryDelay = body.DeliveryDelay,
            DeliveryLocation = body.DeliveryLocation,
        };
        var errors = OrderValidation.Validate(order);
        if (errors.Count > 0)
        {
            SecurityMetrics.Reject(SecurityMetrics.InvalidInput);
            return TypedResults.ValidationProblem(errors);
        }
        try
        {
            await producer.ProduceAsync(kafka.Value.OrdersTopic, order.Id, DurableJson.Serialize(order), cancellationToken: cancellationToken);
        }
        catch (Confluent.Kafka.KafkaException ex)
        {
            return TypedResults.Problem($"The order could not be handed to Kafka: {ex.Error.Reason}. Nothing was charged; try again.", statusCode: StatusCodes.Status503ServiceUnavailable);
        }
        var url = $"/api/orders/{order.Id}";
        return TypedResults.Accepted(url, new OrderAccepted(order.Id, url, url + "/events", tokens.ForOrder(order.Id)));
    }

    private static async Task<Ok<IReadOnlyList<OrderView>>> ListAsync(DurableClient client, int? pageSize, CancellationToken cancellationToken)
    {
        var page = await client.ListAsync(new WorkflowQuery { Type = OrderType, PageSize = Math.Clamp(pageSize ?? 100, 1, 500) }, cancellationToken);
        IReadOnlyList<OrderView> orders = [.. page.Items.Where(i => i.Status != WorkflowStatus.ContinuedAsNew).Select(i => new OrderView(i.WorkflowId,
            i.CustomStatus is null ? null : DurableJson.Deserialize<OrderStatus>(i.CustomStatus), i.Status, i.IsStuck, null, i.CreatedAt))];
        return TypedResults.Ok(orders);
    }

    private static async Task<Results<Ok<OrderView>, ProblemHttpResult>> GetAsync(string id, DurableClient client, CancellationToken cancellationToken)
    {
        var view = await FindAsync(client, id, cancellationToken);
        return view is null ? NotKnown(id) : TypedResults.Ok(view);
    }

    private static async Task<Results<Accepted<CancelAccepted>, ProblemHttpResult>> CancelAsync(
        string id, DurableClient client, ActorTokens tokens, HostSecrets secrets, HttpRequest request, CancellationToken cancellationToken)
    {
        if (!tokens.IsOrderToken(id, request.BearerToken()) && !request.IsOperator(secrets))
        {
            return Credentials.Unauthorized(request.HttpContext, "the order's cancel token (returned when it was placed) or the operator token");
        }
        var view = await FindAsync(client, id, cancellationToken);
        if (view?.Status is null)
        {
            return NotKnown(id);
        }
        if (!view.Status.State.IsCancellable() || view.WorkflowStatus != WorkflowStatus.Running)
        {
            return TypedResults.Problem(
                $"Order {id} is {Name(view.Status.State)}: it can be cancelled only before the restaurant starts preparing it.",
                title: "The order can no longer be cancelled", statusCode: StatusCodes.Status409Conflict);
        }
        await client.SignalAsync(id, OrderSignals.Cancel, new CancelRequest("Cancelled by the customer."), cancellationToken);
        return TypedResults.Accepted($"/api/orders/{id}", new CancelAccepted(id, "Cancellation requested; the order will be refunded and cancelled."));
    }

    private static EventStreamResult<OrderView> Events(string id, DurableClient client, ChangeHub hub) =>
        new(StreamOrderAsync(id, client, hub, CancellationToken.None), OrderEvent);

    private static EventStreamResult<OrderView> AllEvents(ChangeHub hub) => new(StreamAllAsync(hub, CancellationToken.None), OrderEvent);

    private static async IAsyncEnumerable<OrderView> StreamOrderAsync(string id, DurableClient client, ChangeHub hub, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // Subscribe first so nothing between the snapshot and the first change is missed.
        var changes = hub.SubscribeAsync(c => c.WorkflowId == id, cancellationToken).GetAsyncEnumerator(cancellationToken);
        var moved = changes.MoveNextAsync();
        if (await FindAsync(client, id, cancellationToken) is { } snapshot)
        {
            yield return snapshot;
            if (snapshot.WorkflowStatus != WorkflowStatus.Running)
            {
                yield break;
            }
        }
        while (await moved)
        {
            var change = changes.Current;
            var view = ViewOf(change);
            yield return view;
            if (change.Kind == WorkflowChangeKind.Closed && change.Status != WorkflowStatus.ContinuedAsNew)
            {
                yield break;
            }
            moved = changes.MoveNextAsync();
        }
    }

    private static async IAsyncEnumerable<OrderView> StreamAllAsync(ChangeHub hub, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var change in hub.SubscribeAsync(c => c.Type == OrderType, cancellationToken))
        {
            yield return ViewOf(change);
        }
    }

    private static OrderView ViewOf(WorkflowChange change) => new(change.WorkflowId,
        change.CustomStatus is null ? null : DurableJson.Deserialize<OrderStatus>(change.CustomStatus), change.Status,
        change.Kind == WorkflowChangeKind.Stuck, null, change.Timestamp);

    private static async Task<OrderView?> FindAsync(DurableClient client, string id, CancellationToken cancellationToken)
    {
        var description = await client.DescribeAsync(id, cancellationToken: cancellationToken);
        if (description is null || description.Type != OrderType)
        {
            return null;
        }
        return new OrderView(id, description.CustomStatus is null ? null : DurableJson.Deserialize<OrderStatus>(description.CustomStatus),
            description.Status, description.IsStuck, description.StuckError, description.CreatedAt);
    }

    private static ProblemHttpResult NotKnown(string id) => TypedResults.Problem(
        $"No order '{id}' is known. An order placed a moment ago may still be on its way through Kafka.", title: "Order not found", statusCode: StatusCodes.Status404NotFound);

    internal static string Name(OrderState state) => System.Text.Json.JsonSerializer.Serialize(state).Trim('"');
}
