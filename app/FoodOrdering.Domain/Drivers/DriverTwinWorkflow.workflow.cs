using Durable;
using FoodOrdering.Domain.Delivery;
using FoodOrdering.Domain.Geo;

namespace FoodOrdering.Domain.Drivers;

/// <summary>
/// The digital twin of one driver (id "driver-{driverId}"), fed by the phone: shifts, positions from
/// Kafka, pickups and deliveries. Long-running: it continues as new every few hundred events so its
/// history stays bounded; events that arrive meanwhile carry over.
/// </summary>
public sealed class DriverTwinWorkflow : Workflow<DriverTwinState, DriverTwinState>
{
    public override async Task<DriverTwinState> RunAsync(WorkflowContext context, DriverTwinState state)
    {
        context.SetStatus(state);
        for (var handled = 0; handled < DriverDefaults.EventsPerRun; handled++)
        {
            var e = await context.WaitForSignalAsync<DriverEvent>(DriverSignals.Event);
            state = await HandleAsync(context, state, e) with { EventsHandled = state.EventsHandled + 1 };
            context.SetStatus(state);
        }
        throw context.ContinueAsNew(state);
    }

    private static async Task<DriverTwinState> HandleAsync(WorkflowContext context, DriverTwinState state, DriverEvent e)
    {
        switch (e)
        {
            case ShiftStarted start when state.State == DriverState.Idle:
                var region = Regions.Find(start.RegionId);
                if (region is null)
                {
                    return Reject(state, $"Unknown region '{start.RegionId}'.");
                }
                var location = start.Location ?? state.Location ?? region.Center;
                state = state with
                {
                    State = DriverState.WaitingForWork, RegionId = region.Id, Location = location, LastRejection = null, ShiftId = start.ShiftId,
                    SpeedMetersPerSecond = start.SpeedMetersPerSecond ?? state.SpeedMetersPerSecond,
                };
                await context.SignalWorkflowAsync<MatcherEvent>(region.MatcherWorkflowId, MatcherSignals.Event,
                    new DriverAvailable(state.DriverId, location, state.SpeedMetersPerSecond));
                return state;
            case ShiftStarted:
                return Reject(state, $"Cannot start a shift while {state.State}.");

            case ShiftEnded when state.State == DriverState.WaitingForWork:
                await context.SignalWorkflowAsync<MatcherEvent>(Regions.Find(state.RegionId!)!.MatcherWorkflowId, MatcherSignals.Event, new DriverWithdrawn(state.DriverId));
                return state with { State = DriverState.Idle };
            case ShiftEnded when state.State == DriverState.Delivering:
                await ReportAsync(context, state, DriverReportKind.Abandoned);
                return state with { State = DriverState.Idle, Job = null };
            case ShiftEnded:
                return state;

            case LocationUpdated moved:
                state = state with { Location = moved.Location, LocationAt = moved.At };
                if (state.State == DriverState.Delivering)
                {
                    await ReportAsync(context, state, DriverReportKind.Moved);
                }
                return state;

            case JobAssigned assigned when state.State == DriverState.WaitingForWork:
                return state with { State = DriverState.Delivering, Job = assigned.Job, LastRejection = null };
            case JobAssigned assigned:
                // The matcher thought the driver was free; tell the delivery so it asks again.
                await context.SignalWorkflowAsync(assigned.Job.DeliveryId, DeliverySignals.Driver,
                    new DriverReport(DriverReportKind.Abandoned, state.Location ?? assigned.Job.RestaurantLocation, context.UtcNow));
                return Reject(state, $"Job {assigned.Job.DeliveryId} refused while {state.State}.");

            case PickedUp pickup when state.State == DriverState.Delivering && state.Job?.DeliveryId == pickup.DeliveryId && !state.Job.PickedUp:
                state = state with { Job = state.Job with { PickedUp = true } };
                await ReportAsync(context, state, DriverReportKind.PickedUp);
                return state;
            case PickedUp pickup:
                return Reject(state, $"Pickup of {pickup.DeliveryId} refused: the driver is {state.State}{(state.Job is null ? "" : $" with job {state.Job.DeliveryId}")}.");

            case Delivered delivered when state.State == DriverState.Delivering && state.Job?.DeliveryId == delivered.DeliveryId && state.Job.PickedUp:
                await ReportAsync(context, state, DriverReportKind.Delivered);
                return state with { State = DriverState.Idle, Job = null, DeliveriesCompleted = state.DeliveriesCompleted + 1 };
            case Delivered delivered:
                return Reject(state, $"Delivery of {delivered.DeliveryId} refused: the driver is {state.State}{(state.Job is null ? "" : $" with job {state.Job.DeliveryId}, picked up: {state.Job.PickedUp}")}.");

            default:
                return Reject(state, $"Unknown event {e.GetType().Name}.");
        }
    }

    private static async Task ReportAsync(WorkflowContext context, DriverTwinState state, DriverReportKind kind)
    {
        try
        {
            await context.SignalWorkflowAsync(state.Job!.DeliveryId, DeliverySignals.Driver, new DriverReport(kind, state.Location ?? state.Job.RestaurantLocation, context.UtcNow));
        }
        catch (ExternalSignalFailedException)
        {
            // The delivery already ended (gave up or was terminated): nothing to tell.
        }
    }

    private static DriverTwinState Reject(DriverTwinState state, string reason) => state with { LastRejection = reason };
}
