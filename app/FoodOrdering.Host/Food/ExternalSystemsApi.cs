using FoodOrdering.Domain.Payments;
using FoodOrdering.Domain.Restaurants;
using Microsoft.AspNetCore.Http.HttpResults;

namespace FoodOrdering.Host.Food;

/// <summary>
/// The simulated external systems, served by this host but reached by the workflows only over HTTP, as if
/// they ran elsewhere: a payment provider (/payments-provider) and the restaurants' point of sale (/pos).
/// </summary>
public static class ExternalSystemsApi
{
    public static IEndpointRouteBuilder MapExternalSystems(this IEndpointRouteBuilder app)
    {
        var payments = app.MapGroup("/payments-provider").WithTags("External: payment provider");
        payments.MapPost("/charges", ChargeAsync).WithSummary("Charge once per idempotency key; declines are answers, not errors.");
        payments.MapPost("/refunds", RefundAsync).WithSummary("Refund an approved charge in full, once.");

        var pos = app.MapGroup("/pos/restaurants/{restaurantId}").WithTags("External: point of sale");
        pos.MapPost("/orders", AcceptAsync).WithSummary("Queue an order for the cooks (idempotent by order id).");
        pos.MapDelete("/orders/{orderId}", CancelAsync).WithSummary("Stop an order that is not ready yet.");
        pos.MapGet("/orders", OrdersAsync);
        return app;
    }

    private static async Task<Results<Ok<ChargeResult>, ValidationProblem>> ChargeAsync(ChargeRequest request, PaymentLedger ledger, CancellationToken cancellationToken) =>
        string.IsNullOrWhiteSpace(request.IdempotencyKey) || string.IsNullOrWhiteSpace(request.OrderId)
            ? TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["idempotencyKey"] = ["An order id and an idempotency key are required."] })
            : TypedResults.Ok(await ledger.ChargeAsync(request, cancellationToken));

    private static async Task<Results<Ok<RefundResult>, ProblemHttpResult>> RefundAsync(RefundRequest request, PaymentLedger ledger, CancellationToken cancellationToken) =>
        await ledger.RefundAsync(request, cancellationToken) is { } result ? TypedResults.Ok(result)
            : TypedResults.Problem($"No approved charge '{request.ChargeId}'.", statusCode: StatusCodes.Status404NotFound);

    private static async Task<Results<Ok<PrepareAccepted>, ProblemHttpResult>> AcceptAsync(string restaurantId, PrepareRequest request, Kitchen kitchen,
        CancellationToken cancellationToken) =>
        Catalog.Find(restaurantId) is null || request.RestaurantId != restaurantId
            ? TypedResults.Problem($"No restaurant '{restaurantId}' here.", statusCode: StatusCodes.Status404NotFound)
            : TypedResults.Ok(await kitchen.AcceptAsync(request, cancellationToken));

    private static async Task<NoContent> CancelAsync(string restaurantId, string orderId, Kitchen kitchen, CancellationToken cancellationToken)
    {
        await kitchen.CancelAsync(orderId, cancellationToken);
        return TypedResults.NoContent();
    }

    private static async Task<Ok<IReadOnlyList<KitchenOrder>>> OrdersAsync(string restaurantId, Kitchen kitchen, CancellationToken cancellationToken) =>
        TypedResults.Ok(await kitchen.OrdersAsync(restaurantId, cancellationToken: cancellationToken));
}
