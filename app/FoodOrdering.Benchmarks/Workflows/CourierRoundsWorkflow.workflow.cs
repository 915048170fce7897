using Durable;

namespace FoodOrdering.Benchmarks.Workflows;

/// <summary>
/// A courier's shift reduced to what its history is made of: each round assigns a delivery (an
/// activity), rides to the restaurant (a durable timer) and waits for the driver's location (a signal,
/// sent by the driver app as soon as the delivery is assigned). Its history is the replay benchmark's input.
/// </summary>
public sealed class CourierRoundsWorkflow : Workflow<int, double>
{
    public const string LocationSignal = "location";
    public static readonly TimeSpan Ride = TimeSpan.FromMinutes(5);

    public override async Task<double> RunAsync(WorkflowContext context, int input)
    {
        var distance = 0.0;
        for (var round = 0; round < input; round++)
        {
            var number = round;
            var assignment = await context.ExecuteActivityAsync((CourierActivities a) => a.AssignAsync(context.WorkflowId, number));
            await context.DelayAsync(Ride);
            var location = await context.WaitForSignalAsync<DriverPosition>(LocationSignal);
            distance += Math.Abs(location.Latitude - assignment.Latitude) + Math.Abs(location.Longitude - assignment.Longitude);
        }
        return distance;
    }
}

/// <summary>Where a delivery is to be picked up, and where the driver says it is.</summary>
public sealed record DriverPosition(string DriverId, double Latitude, double Longitude, DateTimeOffset At);
