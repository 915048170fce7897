using Durable.Client;
using FoodOrdering.Host.Api;
using Microsoft.AspNetCore.Http.HttpResults;

namespace FoodOrdering.Host.Demo;

/// <summary>Body of POST /api/demo/orders.</summary>
/// <param name="Id">The order id, which is also the workflow id; generated when absent. Placing the same id twice returns the existing order.</param>
/// <param name="DeliveryDelayMs">How long after payment the kitchen starts preparing, in milliseconds.</param>
public sealed record PlaceDemoOrderRequest(string? Id, long? DeliveryDelayMs);

public sealed record DemoOrderAccepted(string Id, string RunId, bool Started);

public static class DemoApi
{
    /// <summary>A week: a longer delay is more likely a unit mistake than a real order.</summary>
    public const long MaxDeliveryDelayMs = 7L * 24 * 60 * 60 * 1000;

    public static IEndpointRouteBuilder MapDemoApi(this IEndpointRouteBuilder app)
    {
        var demo = app.MapGroup("/api/demo").WithTags("Demo");
        demo.MapPost("/orders", PlaceOrderAsync)
            .WithName("PlaceDemoOrder")
            .WithSummary("Places a demo order: starts a DemoOrderWorkflow whose id is the order id.");
        return app;
    }

    internal static async Task<Results<Accepted<DemoOrderAccepted>, ValidationProblem>> PlaceOrderAsync(
        PlaceDemoOrderRequest request, DurableClient client, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        if (request.Id is not null && WorkflowIds.Validate(request.Id) is { } idError)
        {
            errors["id"] = [idError];
        }
        if (request.DeliveryDelayMs is not { } delayMs)
        {
            errors["deliveryDelayMs"] = ["deliveryDelayMs is required (milliseconds between payment and preparation; 0 for none)."];
        }
        else if (delayMs is < 0 or > MaxDeliveryDelayMs)
        {
            errors["deliveryDelayMs"] = [$"deliveryDelayMs must be between 0 and {MaxDeliveryDelayMs} (7 days); got {delayMs}."];
        }
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "The order is invalid.");
        }
        var id = request.Id ?? $"demo-{Guid.NewGuid():N}";
        var handle = await client.StartAsync<DemoOrderWorkflow, DemoOrder, DemoOrderResult>(
            id, new DemoOrder(id, request.DeliveryDelayMs!.Value), cancellationToken: cancellationToken);
        return TypedResults.Accepted(WorkflowsApi.Location(id), new DemoOrderAccepted(handle.WorkflowId, handle.RunId, handle.Started));
    }
}
