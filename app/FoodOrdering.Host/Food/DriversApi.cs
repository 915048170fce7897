using System.Diagnostics;
using System.Threading.Channels;
using Durable;
using Durable.Client;
using Durable.Storage;
using FoodOrdering.Domain.Delivery;
using FoodOrdering.Domain.Drivers;
using FoodOrdering.Domain.Geo;
using FoodOrdering.Domain.Security;
using FoodOrdering.Host.Security;
using FoodOrdering.Kafka;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace FoodOrdering.Host.Food;

/// <param name="ShiftKey">Optional: a secret the phone makes up for this shift (16-200 characters). Starting again with the same key
/// while that shift runs answers 202 with the same token, so a phone that lost the answer can carry on.</param>
public sealed record StartShift(string? RegionId, double? Lat, double? Lon, double? SpeedMetersPerSecond, string? ShiftKey = null);

public sealed record JobReport(string? DeliveryId);

public sealed record PositionReport(double? Lat, double? Lon);

public sealed record DriverView(string DriverId, DriverTwinState State, string RunId);

/// <param name="Token">The phone's credential for this shift: pickup, delivered, location and ending the shift need it as a bearer
/// token, and positions on Kafka carry it in the "driver-token" header. A new shift voids it.</param>
public sealed record ShiftView(string DriverId, DriverTwinState State, string RunId, string Token);

public sealed record RegionView(string Id, string Name, GeoPoint Center, double RadiusMeters, int WaitingDrivers, int PendingDeliveries);

/// <summary>The driver's phone app: shifts, the current assignment, pickup and delivery; positions go through Kafka.</summary>
public static class DriversApi
{
    private static readonly string TwinType = WorkflowNames.Of<DriverTwinWorkflow>();

    /// <summary>How long a driver's request waits for the twin to handle the events sent before it (see <see cref="FindCaughtUpAsync"/>).</summary>
    private static readonly TimeSpan CatchUpLimit = TimeSpan.FromSeconds(2);

    public static RouteGroupBuilder MapDriversApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/regions", RegionsAsync).WithTags("Drivers").WithSummary("The delivery regions with their matchers' queues.");
        var group = app.MapGroup("/api/drivers").WithTags("Drivers");
        group.MapGet("/", ListAsync).WithSummary("Every driver's twin (state, position, job), optionally of one region.");
        group.MapGet("/{id}", GetAsync).WithSummary("One driver's twin.");
        group.MapPost("/{id}/shift", StartShiftAsync).WithSummary("Start a shift: the driver waits for work in a region; returns the shift's token.");
        group.MapDelete("/{id}/shift", EndShiftAsync).WithSummary("End the shift (the shift's token or the operator's).");
        group.MapGet("/{id}/assignment", AssignmentAsync).WithSummary("The driver's current job (204 when none): the phone polls this.");
        group.MapPost("/{id}/pickup", PickupAsync).WithSummary("The driver picked the food up at the restaurant.");
        group.MapPost("/{id}/delivered", DeliveredAsync).WithSummary("The driver handed the food to the customer.");
        group.MapPost("/{id}/location", LocationAsync).WithSummary("A position, for phones without Kafka (the shift's token): published to \"driver-updates\".");
        return group;
    }

    private static async Task<Ok<IReadOnlyList<RegionView>>> RegionsAsync(DurableClient client, CancellationToken cancellationToken)
    {
        var views = new List<RegionView>();
        foreach (var region in Regions.All)
        {
            var matcher = await client.GetSummaryAsync(region.MatcherWorkflowId, cancellationToken);
            var status = matcher?.CustomStatus is { } json ? DurableJson.Deserialize<MatcherStatus>(json) : null;
            // WaitingDrivers is missing from a status written before MatcherStatus (a matcher that has not run since an upgrade).
            views.Add(new RegionView(region.Id, region.Name, region.Center, region.RadiusMeters, status?.WaitingDrivers?.Count ?? 0, status?.PendingDeliveries ?? 0));
        }
        return TypedResults.Ok<IReadOnlyList<RegionView>>(views);
    }

    private static async Task<Ok<IReadOnlyList<DriverView>>> ListAsync(DurableClient client, string? regionId, CancellationToken cancellationToken)
    {
        var drivers = new List<DriverView>();
        string? token = null;
        do
        {
            var page = await client.ListAsync(new WorkflowQuery { Type = TwinType, Status = WorkflowStatus.Running, PageSize = 500, PageToken = token }, cancellationToken);
            foreach (var item in page.Items)
            {
                if (item.CustomStatus is { } json && DurableJson.Deserialize<DriverTwinState>(json) is { } state && (regionId is null || state.RegionId == regionId))
                {
                    drivers.Add(new DriverView(state.DriverId, state, item.RunId));
                }
            }
            token = page.NextPageToken;
        }
        while (token is not null && drivers.Count < 5_000);
        return TypedResults.Ok<IReadOnlyList<DriverView>>([.. drivers.OrderBy(d => d.DriverId, StringComparer.Ordinal)]);
    }

    private static async Task<Results<Ok<DriverView>, ProblemHttpResult>> GetAsync(string id, DurableClient client, CancellationToken cancellationToken) =>
        await FindAsync(client, id, cancellationToken) is { } driver ? TypedResults.Ok(driver) : NotFound(id);

    private static async Task<Results<Accepted<ShiftView>, ProblemHttpResult, ValidationProblem>> StartShiftAsync(
        string id, StartShift body, DurableClient client, ChangeHub hub, ActorTokens tokens, CancellationToken cancellationToken)
    {
        if (!DriverIds.IsValid(id))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["id"] = [$"A driver id is {DriverIds.Rule}."] });
        }
        var region = body.RegionId is null ? null : Regions.Find(body.RegionId);
        var errors = new Dictionary<string, string[]>();
        if (region is null)
        {
            errors["regionId"] = [$"Unknown region '{body.RegionId}'. Known: {string.Join(", ", Regions.All.Select(r => r.Id))}."];
        }
        GeoPoint? location = body.Lat is { } lat && body.Lon is { } lon ? new GeoPoint(lat, lon) : null;
        if (location is { IsValid: false } || (body.Lat is null) != (body.Lon is null))
        {
            errors["location"] = ["Give both lat (-90..90) and lon (-180..180), or neither."];
        }
        if (body.SpeedMetersPerSecond is <= 0 or > 100)
        {
            errors["speedMetersPerSecond"] = ["The speed must be above 0 and at most 100 m/s."];
        }
        if (body.ShiftKey is { Length: < 16 or > 200 })
        {
            errors["shiftKey"] = ["A shift key is 16-200 characters."];
        }
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }
        var shiftId = body.ShiftKey is null ? ActorTokens.NewShiftId() : tokens.ShiftIdFor(id, body.ShiftKey);
        if (await FindCaughtUpAsync(client, hub, id, cancellationToken) is { State.State: not DriverState.Idle } busy)
        {
            // The phone that started this shift asking again (it lost the answer): the same token again.
            if (body.ShiftKey is not null && busy.State.ShiftId == shiftId)
            {
                return TypedResults.Accepted($"/api/drivers/{id}", new ShiftView(id, busy.State, busy.RunId, tokens.ForDriver(id, shiftId)));
            }
            return WrongState(id, busy.State.State, "start a shift", "IDLE");
        }
        await client.SignalWithStartAsync<DriverEvent>(TwinType, DriverSignals.WorkflowId(id), DurableJson.Serialize(new DriverTwinState { DriverId = id }),
            DriverSignals.Event, new ShiftStarted(region!.Id, location, body.SpeedMetersPerSecond, shiftId), cancellationToken);
        // A twin started just now may not have run yet: it then shows as the fresh twin it will be.
        var driver = await FindAsync(client, id, cancellationToken);
        return TypedResults.Accepted($"/api/drivers/{id}",
            new ShiftView(id, driver?.State ?? new DriverTwinState { DriverId = id }, driver?.RunId ?? "", tokens.ForDriver(id, shiftId)));
    }

    private static async Task<Results<Accepted, ProblemHttpResult>> EndShiftAsync(string id, DurableClient client, Authority authority, CancellationToken cancellationToken)
    {
        var driver = await FindAsync(client, id, cancellationToken);
        if (driver is null)
        {
            return NotFound(id);
        }
        if (!authority.MayActFor(driver))
        {
            return authority.Refuse();
        }
        await client.SignalAsync<DriverEvent>(DriverSignals.WorkflowId(id), DriverSignals.Event, new ShiftEnded(), cancellationToken);
        return TypedResults.Accepted($"/api/drivers/{id}");
    }

    private static async Task<Results<Ok<DeliveryJob>, NoContent, ProblemHttpResult>> AssignmentAsync(string id, DurableClient client, CancellationToken cancellationToken)
    {
        var driver = await FindAsync(client, id, cancellationToken);
        if (driver is null)
        {
            return NotFound(id);
        }
        return driver.State.Job is { } job ? TypedResults.Ok(job) : TypedResults.NoContent();
    }

    private static Task<Results<Accepted, ProblemHttpResult, ValidationProblem>> PickupAsync(
        string id, JobReport body, DurableClient client, ChangeHub hub, Authority authority, CancellationToken cancellationToken) =>
        ReportJobAsync(id, body, client, hub, authority, "report a pickup", job => !job.PickedUp ? null : "the food was already picked up",
            deliveryId => new PickedUp(deliveryId), cancellationToken);

    private static Task<Results<Accepted, ProblemHttpResult, ValidationProblem>> DeliveredAsync(
        string id, JobReport body, DurableClient client, ChangeHub hub, Authority authority, CancellationToken cancellationToken) =>
        ReportJobAsync(id, body, client, hub, authority, "report a delivery", job => job.PickedUp ? null : "the food has not been picked up yet",
            deliveryId => new Delivered(deliveryId), cancellationToken);

    private static async Task<Results<Accepted, ProblemHttpResult, ValidationProblem>> ReportJobAsync(string id, JobReport body, DurableClient client, ChangeHub hub,
        Authority authority, string action,
        Func<DeliveryJob, string?> refusal, Func<string, DriverEvent> report, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(body.DeliveryId) || body.DeliveryId.Length > 200)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["deliveryId"] = ["The delivery id of the current job is required (at most 200 characters)."] });
        }
        var driver = await FindCaughtUpAsync(client, hub, id, cancellationToken);
        if (driver is null)
        {
            return NotFound(id);
        }
        if (!authority.MayActFor(driver))
        {
            return authority.Refuse();
        }
        if (driver.State.State != DriverState.Delivering || driver.State.Job is not { } job)
        {
            return WrongState(id, driver.State.State, action, "DELIVERING");
        }
        if (job.DeliveryId != body.DeliveryId)
        {
            return TypedResults.Problem($"Driver {id} is on job {job.DeliveryId}, not {Domain.Orders.OrderValidation.Echo(body.DeliveryId)}.", title: "Not this driver's job", statusCode: StatusCodes.Status409Conflict);
        }
        if (refusal(job) is { } reason)
        {
            return TypedResults.Problem($"Cannot {action} for {job.DeliveryId}: {reason}.", title: "Out of order", statusCode: StatusCodes.Status409Conflict);
        }
        await client.SignalAsync(DriverSignals.WorkflowId(id), DriverSignals.Event, report(job.DeliveryId), cancellationToken);
        return TypedResults.Accepted($"/api/drivers/{id}");
    }

    private static async Task<Results<Accepted, ValidationProblem, ProblemHttpResult>> LocationAsync(
        string id, PositionReport body, KafkaProducer producer, IOptions<KafkaOptions> kafka, DurableClient client, Authority authority, ActorTokens tokens,
        CancellationToken cancellationToken)
    {
        if (!DriverIds.IsValid(id) || body.Lat is null || body.Lon is null || !new GeoPoint(body.Lat.Value, body.Lon.Value).IsValid)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["location"] = [$"A valid driver id ({DriverIds.Rule}) and lat/lon are required."] });
        }
        var driver = await FindAsync(client, id, cancellationToken);
        if (driver is null)
        {
            return NotFound(id);
        }
        if (!authority.MayActFor(driver))
        {
            return authority.Refuse();
        }
        // The consumer checks the token again, as for any phone publishing to Kafka itself; the operator's report gets one minted.
        var token = authority.DriverToken(driver) ?? tokens.ForDriver(id, driver.State.ShiftId ?? ActorTokens.NewShiftId());
        var headers = new Confluent.Kafka.Headers { { ActorTokens.KafkaHeader, System.Text.Encoding.UTF8.GetBytes(token) } };
        await producer.ProduceAsync(kafka.Value.DriverUpdatesTopic, id, DurableJson.Serialize(new { lat = body.Lat, @long = body.Lon }), headers, cancellationToken);
        return TypedResults.Accepted($"/api/drivers/{id}");
    }

    private static async Task<DriverView?> FindAsync(DurableClient client, string id, CancellationToken cancellationToken) =>
        ViewOf(id, await client.GetSummaryAsync(DriverSignals.WorkflowId(id), cancellationToken));

    /// <summary>
    /// The twin once it has handled every event sent to it before this request (waiting at most <see cref="CatchUpLimit"/>).
    /// A phone's request can overtake the event before it: the order names its driver as soon as the job is on its way to the
    /// twin, and a pickup, a delivery or a new shift can follow the one before at once. Judged on the twin as it was, such a
    /// request was refused (409, or 401 for a new shift's token) and the phone had to send it again.
    /// </summary>
    private static async Task<DriverView?> FindCaughtUpAsync(DurableClient client, ChangeHub hub, string id, CancellationToken cancellationToken)
    {
        var twinId = DriverSignals.WorkflowId(id);
        // Subscribed before the first read, so a change between the two is not missed.
        using var changes = hub.Subscribe(c => c.WorkflowId == twinId);
        var twin = await client.GetSummaryAsync(twinId, cancellationToken);
        var driver = ViewOf(id, twin);
        // Every event the twin handles counts, so the events pending now are handled when the count reaches this.
        var caughtUp = driver is null ? 0 : driver.State.EventsHandled + twin!.PendingSignals;
        var started = Stopwatch.GetTimestamp();
        while (driver is not null && driver.State.EventsHandled < caughtUp
            && await ChangedAsync(changes.Changes, CatchUpLimit - Stopwatch.GetElapsedTime(started), cancellationToken))
        {
            while (changes.Changes.TryRead(out _))
            {
            }
            driver = ViewOf(id, await client.GetSummaryAsync(twinId, cancellationToken)) ?? driver;
        }
        return driver;
    }

    /// <summary>False when the time ran out first; nothing is cancelled (the subscription just ends).</summary>
    private static async Task<bool> ChangedAsync(ChannelReader<WorkflowChange> changes, TimeSpan left, CancellationToken cancellationToken)
    {
        try
        {
            return left > TimeSpan.Zero && await changes.WaitToReadAsync(CancellationToken.None).AsTask().WaitAsync(left, cancellationToken);
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    private static DriverView? ViewOf(string id, WorkflowSummary? twin) =>
        twin is { Status: WorkflowStatus.Running, CustomStatus: { } json } ? new DriverView(id, DurableJson.Deserialize<DriverTwinState>(json), twin.RunId) : null;

    private static ProblemHttpResult NotFound(string id) =>
        TypedResults.Problem($"No driver '{id}' is known; start a shift first.", title: "Driver not found", statusCode: StatusCodes.Status404NotFound);

    private static ProblemHttpResult WrongState(string id, DriverState state, string action, string needed) =>
        TypedResults.Problem($"Driver {id} is {System.Text.Json.JsonSerializer.Serialize(state).Trim('"')}; to {action} the driver must be {needed}.",
            title: "Wrong driver state", statusCode: StatusCodes.Status409Conflict);
}
