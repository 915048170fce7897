using Durable;
using Durable.Client;
using FoodOrdering.Domain.Orders;
using FoodOrdering.Domain.Payments;
using FoodOrdering.Domain.Restaurants;
using FoodOrdering.Host.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace FoodOrdering.Host.Food;

public sealed record RestaurantView(string Id, string Name, string RegionId, Domain.Geo.GeoPoint Location, int Cooks, IReadOnlyList<Product> Menu);

/// <summary>Restaurants, their kitchens' queues, the "prepared" callback and the kitchen display's button; the payment ledger.</summary>
public static class RestaurantsApi
{
    public static RouteGroupBuilder MapRestaurantsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/restaurants").WithTags("Restaurants");
        group.MapGet("/", () => TypedResults.Ok<IReadOnlyList<RestaurantView>>([.. Catalog.All.Select(r => new RestaurantView(r.Id, r.Name, r.RegionId, r.Location, r.Cooks, r.Menu))]))
            .WithSummary("Restaurants with their menus.");
        group.MapGet("/{id}/queue", QueueAsync).WithSummary("The kitchen's queue: waiting, cooking, ready and recently finished orders.");
        group.MapPost("/{id}/orders/{orderId}/prepared", PreparedAsync).WithSummary("The restaurant's callback (bearer token of the restaurant): the order is prepared.");
        group.MapPost("/{id}/orders/{orderId}/mark-prepared", MarkPreparedAsync).WithSummary("The kitchen display's button (the restaurant's or the operator's token): finish the order now.");
        app.MapGet("/api/payments/{orderId}", async (string orderId, PaymentLedger ledger, CancellationToken cancellationToken) =>
                TypedResults.Ok(await ledger.ForOrderAsync(orderId, cancellationToken)))
            .WithTags("Payments").WithSummary("The payment provider's ledger entries (charges, refunds) of an order.");
        app.MapGet("/api/payments", async (PaymentLedger ledger, CancellationToken cancellationToken) => TypedResults.Ok(await ledger.TotalsAsync(cancellationToken)))
            .WithTags("Payments").WithSummary("The whole ledger in numbers: charges approved and declined, refunds, orders charged twice, refunds not matching their charge.");
        return group;
    }

    private static async Task<Results<Ok<IReadOnlyList<KitchenOrder>>, ProblemHttpResult>> QueueAsync(string id, Kitchen kitchen, CancellationToken cancellationToken) =>
        Catalog.Find(id) is null ? UnknownRestaurant(id) : TypedResults.Ok(await kitchen.OrdersAsync(id, cancellationToken: cancellationToken));

    private static async Task<Results<NoContent, ProblemHttpResult>> PreparedAsync(string id, string orderId, HttpRequest request, RestaurantTokens tokens, DurableClient client,
        CancellationToken cancellationToken)
    {
        if (Catalog.Find(id) is null)
        {
            return UnknownRestaurant(id);
        }
        if (!tokens.IsValid(id, request))
        {
            return Credentials.Unauthorized(request.HttpContext, "the restaurant's token");
        }
        var order = await client.DescribeAsync(orderId, cancellationToken: cancellationToken);
        if (order?.CustomStatus is null || DurableJson.Deserialize<OrderStatus>(order.CustomStatus).RestaurantId != id)
        {
            return TypedResults.Problem($"Restaurant {id} has no order '{orderId}'.", title: "Order not found", statusCode: StatusCodes.Status404NotFound);
        }
        if (order.Status != WorkflowStatus.Running)
        {
            return TypedResults.Problem($"Order {orderId} has already ended ({order.Status}).", title: "Order ended", statusCode: StatusCodes.Status410Gone);
        }
        await client.SignalAsync(orderId, OrderSignals.Prepared, new Prepared(), cancellationToken);
        return TypedResults.NoContent();
    }

    private static async Task<Results<Accepted, ProblemHttpResult>> MarkPreparedAsync(string id, string orderId, Kitchen kitchen, RestaurantTokens tokens, HostSecrets secrets,
        HttpRequest request, CancellationToken cancellationToken) =>
        Catalog.Find(id) is null ? UnknownRestaurant(id)
        : !tokens.IsValid(id, request) && !request.IsOperator(secrets) ? Credentials.Unauthorized(request.HttpContext, "the restaurant's token or the operator token")
        : await kitchen.MarkReadyAsync(orderId, cancellationToken) ? TypedResults.Accepted($"/api/restaurants/{id}/queue")
        : TypedResults.Problem($"Order {orderId} is not waiting or cooking at {id}.", title: "Nothing to mark", statusCode: StatusCodes.Status409Conflict);

    private static ProblemHttpResult UnknownRestaurant(string id) =>
        TypedResults.Problem($"No restaurant '{id}'.", title: "Restaurant not found", statusCode: StatusCodes.Status404NotFound);
}
