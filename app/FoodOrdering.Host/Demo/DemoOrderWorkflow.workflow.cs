using Durable;
using Microsoft.Extensions.Logging;

namespace FoodOrdering.Host.Demo;

/// <summary>
/// A stand-in for the food order workflow: charge, wait until the delivery time, wait for the kitchen,
/// deliver. Refunds when the kitchen never answers or the order is cancelled.
/// </summary>
public sealed partial class DemoOrderWorkflow : Workflow<DemoOrder, DemoOrderResult>
{
    public const string PreparedSignal = "prepared";

    /// <summary>How long the kitchen has to prepare an order before it is cancelled and refunded.</summary>
    public static readonly TimeSpan PreparationTimeout = TimeSpan.FromMinutes(30);

    public override async Task<DemoOrderResult> RunAsync(WorkflowContext context, DemoOrder order)
    {
        context.SetStatus(new DemoOrderStatus(DemoOrderState.Created));
        // Drawn from the workflow's seeded random, so a replay or a retried charge reuses the same key.
        var idempotencyKey = context.NewGuid();
        try
        {
            var paymentId = await context.ExecuteActivityAsync((DemoActivities a) => a.ChargeAsync(order.Id, idempotencyKey));
            context.SetStatus(new DemoOrderStatus(DemoOrderState.Scheduled));
            await context.DelayAsync(TimeSpan.FromMilliseconds(order.DeliveryDelayMs));
            context.SetStatus(new DemoOrderStatus(DemoOrderState.InPreparation));
            var prepared = await context.WaitForSignalAsync<Prepared?>(PreparedSignal, PreparationTimeout);
            context.SetStatus(new DemoOrderStatus(DemoOrderState.Delivered));
            return new DemoOrderResult(order.Id, DemoOrderState.Delivered, paymentId, prepared?.By);
        }
        catch (SignalTimeoutException)
        {
            LogNotPrepared(context.Logger, order.Id, PreparationTimeout);
            await context.ExecuteActivityAsync((DemoActivities a) => a.RefundAsync(order.Id, idempotencyKey));
            context.SetStatus(new DemoOrderStatus(DemoOrderState.Cancelled));
            return new DemoOrderResult(order.Id, DemoOrderState.Cancelled, PaymentId: null, PreparedBy: null);
        }
        catch (OperationCanceledException) when (context.IsCancellationRequested)
        {
            // The charge may have gone through before the cancel arrived; the refund is keyed, so it is safe either way.
            // It runs on the detached token because the workflow's own token has already fired.
            await context.ExecuteActivityAsync((DemoActivities a) => a.RefundAsync(order.Id, idempotencyKey),
                cancellationToken: context.DetachedCancellationToken);
            context.SetStatus(new DemoOrderStatus(DemoOrderState.Cancelled));
            throw;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Order {OrderId} was not prepared within {Timeout}; refunding and cancelling")]
    private static partial void LogNotPrepared(ILogger logger, string orderId, TimeSpan timeout);
}
