using Durable;
using FoodOrdering.Domain.Delivery;

namespace FoodOrdering.Domain.Drivers;

/// <summary>
/// One per region (id "matcher-{region}"): pairs each pending delivery, oldest first, with the nearest
/// waiting driver (the longest-waiting among equals). Continues as new to keep its history bounded.
/// </summary>
public sealed class RegionMatcherWorkflow : Workflow<MatcherState, MatcherState>
{
    private const int EventsPerRun = 500;

    public override async Task<MatcherState> RunAsync(WorkflowContext context, MatcherState state)
    {
        context.SetStatus(state.ToStatus());
        var handled = 0;
        while (handled < EventsPerRun)
        {
            if (state.Pending.Count == 0 || state.Drivers.Count == 0)
            {
                state = Apply(state, await context.WaitForSignalAsync<MatcherEvent>(MatcherSignals.Event));
                handled++;
            }
            // Everything else that has arrived too (withdrawals above all), so that no round goes to deliveries that gave up.
            while (handled < EventsPerRun && context.TryTakeSignal<MatcherEvent>(MatcherSignals.Event, out var next))
            {
                state = Apply(state, next);
                handled++;
            }
            state = await MatchRoundAsync(context, state);
            context.SetStatus(state.ToStatus());
        }
        throw context.ContinueAsNew(state);
    }

    private static MatcherState Apply(MatcherState state, MatcherEvent e)
    {
        var counter = state.Counter + 1;
        return e switch
        {
            DriverAvailable d => state with
            {
                Counter = counter,
                Drivers = [.. state.Drivers.Where(x => x.DriverId != d.DriverId), new WaitingDriver(d.DriverId, d.Location, d.SpeedMetersPerSecond, counter)],
            },
            DriverWithdrawn d => state with { Counter = counter, Drivers = [.. state.Drivers.Where(x => x.DriverId != d.DriverId)] },
            DriverRequested r when state.Pending.All(p => p.DeliveryId != r.DeliveryId) => state with
            {
                Counter = counter, Pending = [.. state.Pending, new PendingDelivery(r.DeliveryId, r.RestaurantLocation, r.At, counter)],
            },
            RequestWithdrawn r => state with { Counter = counter, Pending = [.. state.Pending.Where(p => p.DeliveryId != r.DeliveryId)] },
            _ => state with { Counter = counter },
        };
    }

    /// <summary>
    /// One round: pairs pending deliveries with waiting drivers, sends the assignments together and awaits them together
    /// (one round trip, not one per pair). A driver whose delivery gave up meanwhile is free again for the next round.
    /// </summary>
    private static async Task<MatcherState> MatchRoundAsync(WorkflowContext context, MatcherState state)
    {
        var round = new List<(WaitingDriver Driver, Task Sent)>();
        while (state.Pending.Count > 0 && state.Drivers.Count > 0)
        {
            var delivery = state.Pending[0];
            var driver = Nearest(state.Drivers, delivery);
            state = state with
            {
                Pending = [.. state.Pending.Skip(1)],
                Drivers = [.. state.Drivers.Where(d => d.DriverId != driver.DriverId)],
            };
            round.Add((driver, context.SignalWorkflowAsync(delivery.DeliveryId, DeliverySignals.DriverAssigned,
                new DriverAssigned(driver.DriverId, driver.Location, driver.SpeedMetersPerSecond))));
        }
        var freed = new List<WaitingDriver>();
        foreach (var (driver, sent) in round)
        {
            try
            {
                await sent;
                state = state with { Assignments = state.Assignments + 1 };
            }
            catch (ExternalSignalFailedException)
            {
                // The delivery gave up meanwhile: the driver is still free.
                freed.Add(driver);
            }
        }
        return state with { Drivers = [.. freed, .. state.Drivers] };
    }

    /// <summary>Nearest to the restaurant; among drivers at the same distance, the one waiting longest.</summary>
    public static WaitingDriver Nearest(IReadOnlyList<WaitingDriver> drivers, PendingDelivery delivery) =>
        drivers.OrderBy(d => Math.Round(d.Location.DistanceTo(delivery.RestaurantLocation), 1)).ThenBy(d => d.Since).First();
}
