using Durable;
using FoodOrdering.Domain.Delivery;
using FoodOrdering.Domain.Geo;
using FoodOrdering.Domain.Payments;
using FoodOrdering.Domain.Restaurants;

namespace FoodOrdering.Domain.Orders;

/// <summary>
/// One order, from payment to the customer's door. Its id is the order id, so a duplicate order
/// event finds the running order instead of charging twice.
/// </summary>
public sealed class OrderWorkflow : Workflow<OrderRequest, OrderResult>
{
    private static readonly ActivityOptions Payments = new() { StartToCloseTimeout = TimeSpan.FromSeconds(30) };
    private static readonly ActivityOptions Kitchen = new() { StartToCloseTimeout = TimeSpan.FromSeconds(30) };

    private WorkflowContext _context = null!;
    private OrderStatus _status = null!;
    private bool _kitchenAsked;

    public override async Task<OrderResult> RunAsync(WorkflowContext context, OrderRequest order)
    {
        _context = context;
        var restaurant = Catalog.Find(order.RestaurantId)
            ?? throw new ApplicationFailureException($"Unknown restaurant '{order.RestaurantId}'.", "UnknownRestaurant");
        var region = Regions.Find(restaurant.RegionId)!;
        var customer = order.DeliveryLocation ?? region.PointAt(context.Random.NextDouble(), context.Random.NextDouble());
        _status = new OrderStatus
        {
            OrderId = order.Id, State = OrderState.New, RestaurantId = restaurant.Id, RegionId = region.Id, TotalCost = order.TotalCost,
            RestaurantLocation = restaurant.Location, DeliveryLocation = customer,
        };
        Move(OrderState.Created);

        // Detached: a charge under way when the run is cancelled must still report its outcome, or nobody could refund it.
        var charge = await context.ExecuteActivityAsync(
            (PaymentActivities p) => p.ChargeAsync(new ChargeRequest(order.Id, context.NewGuid().ToString("N"), order.TotalCost)), Payments,
            context.DetachedCancellationToken);
        if (!charge.Approved)
        {
            return End(OrderState.Rejected, charge.DeclineReason ?? "The payment was declined.");
        }

        try
        {
            return await FulfilAsync(order, restaurant, region, customer, charge);
        }
        catch (Exception ex) when (context.IsCancellationRequested
            && ex is OperationCanceledException or ChildWorkflowFailedException { Error.Type: nameof(WorkflowStatus.Canceled) })
        {
            // An operator cancelled the run (POST /api/workflows/{id}/cancel): compensate as for any cancelled order, then end Canceled.
            const string reason = "Cancelled by an operator.";
            if (_kitchenAsked)
            {
                await context.ExecuteActivityAsync((RestaurantActivities r) => r.CancelPreparationAsync(order.Id, restaurant.Id), Kitchen, context.DetachedCancellationToken);
            }
            await RefundAsync(charge, reason);
            End(OrderState.Cancelled, reason);
            throw;
        }
    }

    private async Task<OrderResult> FulfilAsync(OrderRequest order, Restaurant restaurant, Region region, GeoPoint customer, ChargeResult charge)
    {
        var context = _context;
        _status = _status with { ScheduledFor = context.UtcNow + TimeSpan.FromMilliseconds(order.DeliveryDelay) };
        Move(OrderState.Scheduled);
        if (await CancelledBeforeAsync(_status.ScheduledFor.Value) is { } cancel)
        {
            await RefundAsync(charge, cancel.Reason ?? "Cancelled by the customer.");
            return End(OrderState.Cancelled, cancel.Reason ?? "Cancelled by the customer.");
        }

        _kitchenAsked = true;
        await context.ExecuteActivityAsync((RestaurantActivities r) => r.PrepareAsync(order.Id, restaurant.Id, order.Products), Kitchen);
        Move(OrderState.InPreparation);
        try
        {
            await context.WaitForSignalAsync<Prepared>(OrderSignals.Prepared, OrderTimeouts.Preparation);
        }
        catch (SignalTimeoutException)
        {
            await context.ExecuteActivityAsync((RestaurantActivities r) => r.CancelPreparationAsync(order.Id, restaurant.Id), Kitchen);
            const string reason = "The restaurant did not prepare the order in time.";
            await RefundAsync(charge, reason);
            return End(OrderState.Cancelled, reason);
        }

        Move(OrderState.SchedulingDelivery);
        var deliveryId = $"delivery-{order.Id}";
        var delivery = await context.StartChildWorkflowAsync<DeliveryWorkflow, DeliveryRequest, DeliveryResult>(deliveryId,
            new DeliveryRequest(deliveryId, order.Id, region.Id, restaurant.Id, restaurant.Location, customer, context.WorkflowId, DeliveryWorkflow.DriverTimeout));
        DeliveryResult result;
        try
        {
            result = await FollowDeliveryAsync(delivery);
        }
        catch (ChildWorkflowFailedException) when (!context.IsCancellationRequested)
        {
            // The delivery itself broke (its region's matcher was terminated by an operator, say): the customer was charged,
            // so the order ends refunded rather than failed at SCHEDULING_DELIVERY with the money kept.
            const string reason = "The delivery could not be arranged.";
            await RefundAsync(charge, reason);
            return End(OrderState.Cancelled, reason);
        }
        if (result.Outcome != DeliveryOutcome.Delivered)
        {
            var reason = result.Reason ?? "The delivery could not be completed.";
            await RefundAsync(charge, reason);
            return End(OrderState.Cancelled, reason);
        }
        return End(OrderState.Delivered, null);
    }

    /// <summary>Waits for the scheduled time; a customer's cancel signal before then wins.</summary>
    private async Task<CancelRequest?> CancelledBeforeAsync(DateTimeOffset time)
    {
        // Linked: an operator's cancellation of the run must end this wait too, not only a customer's signal.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(_context.CancellationToken);
        var timer = _context.DelayUntilAsync(time, stop.Token);
        var cancel = _context.WaitForSignalAsync<CancelRequest>(OrderSignals.Cancel, cancellationToken: stop.Token);
        var first = await Task.WhenAny(timer, cancel);
        stop.Cancel();
        _context.CancellationToken.ThrowIfCancellationRequested();
        return first == cancel ? await cancel : null;
    }

    /// <summary>Mirrors the delivery's progress (driver, position, ETA) into the order's status until the delivery ends.</summary>
    private async Task<DeliveryResult> FollowDeliveryAsync(ChildWorkflowHandle<DeliveryResult> delivery)
    {
        var done = delivery.GetResultAsync();
        while (true)
        {
            using var stop = new CancellationTokenSource();
            var progress = _context.WaitForSignalAsync<DeliveryProgress>(OrderSignals.Delivery, cancellationToken: stop.Token);
            if (await Task.WhenAny(done, progress) == done)
            {
                stop.Cancel();
                return await done;
            }
            var update = await progress;
            _status = _status with
            {
                DriverId = update.DriverId ?? _status.DriverId,
                DriverLocation = update.DriverLocation ?? _status.DriverLocation,
                EtaAt = update.EtaAt ?? _status.EtaAt,
            };
            switch (update.Stage)
            {
                case DeliveryStage.DriverAssigned when _status.State == OrderState.SchedulingDelivery:
                    Move(OrderState.WaitingForDriver);
                    break;
                case DeliveryStage.PickedUp when _status.State != OrderState.InDelivery:
                    Move(OrderState.InDelivery);
                    break;
                default:
                    _context.SetStatus(_status);
                    break;
            }
        }
    }

    private async Task RefundAsync(ChargeResult charge, string reason)
    {
        // Compensation runs even if the workflow itself is being cancelled.
        await _context.ExecuteActivityAsync((PaymentActivities p) => p.RefundAsync(new RefundRequest(charge.ChargeId, $"refund-{charge.ChargeId}", reason)),
            Payments, _context.DetachedCancellationToken);
        _status = _status with { Refunded = true };
    }

    private void Move(OrderState state)
    {
        _status = _status.To(state, _context.UtcNow);
        _context.SetStatus(_status);
    }

    private OrderResult End(OrderState state, string? reason)
    {
        _status = _status with { Reason = reason, EtaAt = state == OrderState.Delivered ? _status.EtaAt : null };
        Move(state);
        return new OrderResult(_status.OrderId, state, reason);
    }
}
