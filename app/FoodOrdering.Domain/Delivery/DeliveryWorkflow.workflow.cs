using Durable;
using FoodOrdering.Domain.Drivers;
using FoodOrdering.Domain.Geo;
using FoodOrdering.Domain.Orders;

namespace FoodOrdering.Domain.Delivery;

/// <summary>
/// Gets a driver from the region's matcher, hands the job to the driver's twin and follows the driver
/// to the customer, reporting position and ETA to the order. Gives up cleanly when no driver comes.
/// </summary>
public sealed class DeliveryWorkflow : Workflow<DeliveryRequest, DeliveryResult>
{
    public static readonly TimeSpan DriverTimeout = TimeSpan.FromMinutes(20);

    /// <summary>A driver who sends nothing for this long is considered lost.</summary>
    public static readonly TimeSpan SilenceTimeout = TimeSpan.FromMinutes(30);

    public override async Task<DeliveryResult> RunAsync(WorkflowContext context, DeliveryRequest request)
    {
        var matcher = Regions.Find(request.RegionId)?.MatcherWorkflowId
            ?? throw new ApplicationFailureException($"Unknown region '{request.RegionId}'.", "UnknownRegion");
        var deadline = context.UtcNow + request.DriverTimeout;
        while (true)
        {
            await context.SignalWorkflowAsync<MatcherEvent>(matcher, MatcherSignals.Event,
                new DriverRequested(request.DeliveryId, request.RestaurantLocation, context.UtcNow));
            DriverAssigned assigned;
            try
            {
                assigned = await context.WaitForSignalAsync<DriverAssigned>(DeliverySignals.DriverAssigned, Max(deadline - context.UtcNow, TimeSpan.FromSeconds(1)));
            }
            catch (SignalTimeoutException)
            {
                await context.SignalWorkflowAsync<MatcherEvent>(matcher, MatcherSignals.Event, new RequestWithdrawn(request.DeliveryId));
                await ReturnLateDriverAsync(context, matcher);
                return new DeliveryResult(DeliveryOutcome.NoDriver, null, context.UtcNow, $"No driver became available within {request.DriverTimeout.TotalMinutes:0} minutes.");
            }

            var job = new DeliveryJob(request.DeliveryId, request.OrderId, request.RestaurantId, request.RestaurantLocation, request.CustomerLocation);
            try
            {
                await context.SignalWorkflowAsync<DriverEvent>(DriverSignals.WorkflowId(assigned.DriverId), DriverSignals.Event, new JobAssigned(job));
            }
            catch (ExternalSignalFailedException)
            {
                continue;
            }
            await ReportAsync(context, request, new DeliveryProgress(DeliveryStage.DriverAssigned, assigned.DriverId, assigned.DriverLocation,
                Eta.Estimate(context.UtcNow, assigned.DriverLocation, request.RestaurantLocation, request.CustomerLocation, false, assigned.SpeedMetersPerSecond)));

            var outcome = await FollowDriverAsync(context, request, assigned);
            if (outcome is not null)
            {
                return outcome;
            }
            // The driver abandoned the job before pickup: ask the matcher again.
        }
    }

    /// <summary>
    /// The matcher may have given this delivery a driver just as the wait ran out (the assignment then arrives after the
    /// timeout, before the matcher sees the withdrawal). That driver never got the job and the matcher no longer counts it
    /// as waiting: without this it would wait for work forever. So it goes back to the matcher.
    /// </summary>
    private static async Task ReturnLateDriverAsync(WorkflowContext context, string matcher)
    {
        // Whatever came with the withdrawal's acknowledgement or before it; one that comes later re-runs this activation.
        if (context.TryTakeSignal<DriverAssigned>(DeliverySignals.DriverAssigned, out var late))
        {
            await context.SignalWorkflowAsync<MatcherEvent>(matcher, MatcherSignals.Event, new DriverAvailable(late.DriverId, late.DriverLocation, late.SpeedMetersPerSecond));
        }
    }

    private static async Task<DeliveryResult?> FollowDriverAsync(WorkflowContext context, DeliveryRequest request, DriverAssigned assigned)
    {
        var pickedUp = false;
        while (true)
        {
            DriverReport report;
            try
            {
                report = await context.WaitForSignalAsync<DriverReport>(DeliverySignals.Driver, SilenceTimeout);
            }
            catch (SignalTimeoutException)
            {
                return new DeliveryResult(DeliveryOutcome.DriverLost, assigned.DriverId, context.UtcNow,
                    $"Driver {assigned.DriverId} sent nothing for {SilenceTimeout.TotalMinutes:0} minutes.");
            }
            switch (report.Kind)
            {
                case DriverReportKind.Moved:
                    await ReportAsync(context, request, new DeliveryProgress(DeliveryStage.DriverMoved, assigned.DriverId, report.Location,
                        Eta.Estimate(context.UtcNow, report.Location, request.RestaurantLocation, request.CustomerLocation, pickedUp, assigned.SpeedMetersPerSecond)));
                    break;
                case DriverReportKind.PickedUp:
                    pickedUp = true;
                    await ReportAsync(context, request, new DeliveryProgress(DeliveryStage.PickedUp, assigned.DriverId, report.Location,
                        Eta.Estimate(context.UtcNow, report.Location, request.RestaurantLocation, request.CustomerLocation, true, assigned.SpeedMetersPerSecond)));
                    break;
                case DriverReportKind.Delivered:
                    await ReportAsync(context, request, new DeliveryProgress(DeliveryStage.Delivered, assigned.DriverId, report.Location, context.UtcNow));
                    return new DeliveryResult(DeliveryOutcome.Delivered, assigned.DriverId, context.UtcNow, null);
                case DriverReportKind.Abandoned when !pickedUp:
                    return null;
                case DriverReportKind.Abandoned:
                    return new DeliveryResult(DeliveryOutcome.DriverLost, assigned.DriverId, context.UtcNow,
                        $"Driver {assigned.DriverId} ended the shift with the food on board.");
            }
        }
    }

    private static async Task ReportAsync(WorkflowContext context, DeliveryRequest request, DeliveryProgress progress)
    {
        try
        {
            await context.SignalWorkflowAsync(request.OrderWorkflowId, OrderSignals.Delivery, progress);
        }
        catch (ExternalSignalFailedException)
        {
            // The order ended meanwhile (terminated by an operator): the delivery still finishes for the driver's sake.
        }
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;
}
