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
        payments.MapPost("/charges", Charge).WithSummary("Charge once per idempotency key; declines are answers, not errors.");
        payments.MapPost("/refunds", Refund).WithSummary("Refund an approved charge in full, once.");

        var pos = app.MapGroup("/pos/restaurants/{restaurantId}").WithTags("External: point of sale");
        pos.MapPost("/orders", Accept).WithSummary("Queue an order for the cooks (idempotent by order id).");
        pos.MapDelete("/orders/{orderId}", Cancel).WithSummary("Stop an order that is not ready yet.");
        pos.MapGet("/orders", (string restaurantId, Kitchen kitchen) => TypedResults.Ok(kitchen.Orders(restaurantId)));
        return app;
    }

    private static Results<Ok<ChargeResult>, ValidationProblem> Charge(ChargeRequest request, PaymentLedger ledger) =>
        string.IsNullOrWhiteSpace(request.IdempotencyKey) || string.IsNullOrWhiteSpace(request.OrderId)
            ? TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["idempotencyKey"] = ["An order id and an idempotency key are required."] })
            : TypedResults.Ok(ledger.Charge(request));

    private static Results<Ok<RefundResult>, ProblemHttpResult> Refund(RefundRequest request, PaymentLedger ledger) =>
        ledger.Refund(request) is { } result ? TypedResults.Ok(result)
            : TypedResults.Problem($"No approved charge '{request.ChargeId}'.", statusCode: StatusCodes.Status404NotFound);

    private static Results<Ok<PrepareAccepted>, ProblemHttpResult> Accept(string restaurantId, PrepareRequest request, Kitchen kitchen) =>
        Catalog.Find(restaurantId) is null || request.RestaurantId != restaurantId
            ? TypedResults.Problem($"No restaurant '{restaurantId}' here.", statusCode: StatusCodes.Status404NotFound)
            : TypedResults.Ok(kitchen.Accept(request));

    private static NoContent Cancel(string restaurantId, string orderId, Kitchen kitchen)
    {
        kitchen.Cancel(orderId);
        return TypedResults.NoContent();
    }
}
