using Durable.Client;

namespace FoodOrdering.Benchmarks.Workflows;

/// <summary>
/// Assigns round <c>round</c> of a courier's shift; the driver app answers at once with its location,
/// a signal to the workflow, so every round of the recorded history has an activity, a timer and a signal.
/// </summary>
public sealed class CourierActivities(DurableClient client)
{
    public async Task<DriverPosition> AssignAsync(string workflowId, int round)
    {
        var pickup = new DriverPosition($"driver-{round % 17}", 52.52 + round % 100 * 0.001, 13.40 + round % 50 * 0.002, DateTimeOffset.UnixEpoch.AddMinutes(round));
        await client.SignalAsync(workflowId, CourierRoundsWorkflow.LocationSignal, pickup with { Latitude = pickup.Latitude + 0.01 });
        return pickup;
    }
}
