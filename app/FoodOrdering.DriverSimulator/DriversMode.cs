using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Confluent.Kafka;
using FoodOrdering.Domain.Geo;

namespace FoodOrdering.DriverSimulator;

public sealed record DriversSettings(
    Uri App, string? Kafka, int Count, string[] Regions, double Speed, TimeSpan Tick, TimeSpan Pause, string Prefix, double? TimeScale, string TokensPath)
{
    /// <summary>The host's time scale unless given: ticks and pauses are simulated time, waited in real time divided by it.</summary>
    public double Scale { get; init; } = TimeScale ?? 1;

    public TimeSpan Real(TimeSpan simulated) => simulated / Scale;
}

internal sealed record Job(string DeliveryId, string OrderId, string RestaurantId, GeoPoint RestaurantLocation, GeoPoint CustomerLocation, bool PickedUp);

internal sealed record RegionInfo(string Id, string Name, GeoPoint Center, double RadiusMeters);

internal sealed record TwinState(string DriverId, string State, string? RegionId, GeoPoint? Location, Job? Job, string? ShiftId = null);

internal sealed record DriverInfo(string DriverId, TwinState State);

internal sealed record HostFacts(string? Bootstrap, List<RegionInfo> Regions, double TimeScale);
internal sealed record ShiftInfo(string DriverId, string? Token);

/// <summary>Runs N simulated phones until Ctrl+C; losing the host or Kafka is reported and retried, never fatal.</summary>
internal static class DriversMode
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static async Task<int> RunAsync(DriversSettings settings, CancellationToken cancellationToken)
    {
        if (settings.Count is < 1 or > 10_000 || settings.Speed is <= 0 or > 100 || settings.Tick <= TimeSpan.Zero || settings.Pause < TimeSpan.Zero)
        {
            await Console.Error.WriteLineAsync("--drivers must be 1..10000, --speed above 0 and at most 100 (m/s), --tick positive, --pause not negative.");
            return 2;
        }
        using var http = new HttpClient { BaseAddress = settings.App, Timeout = TimeSpan.FromSeconds(10) };
        if (await DiscoverAsync(http, settings, cancellationToken) is not { } host)
        {
            // Ctrl+C before the host ever answered: no shift was started.
            return 0;
        }
        var (bootstrap, regions, hostScale) = host;
        if (bootstrap is null)
        {
            await Console.Error.WriteLineAsync("The host's /api/info names no Kafka bootstrap servers; pass --kafka.");
            return 1;
        }
        settings = settings with { Scale = settings.TimeScale ?? hostScale };
        using var producer = new PositionPublisher(bootstrap, settings.Kafka is null ? ct => HostBootstrapAsync(http, ct) : null);
        var chosen = settings.Regions.Length == 0 ? regions : regions.Where(r => settings.Regions.Contains(r.Id)).ToList();
        if (chosen.Count == 0)
        {
            await Console.Error.WriteLineAsync($"No such region; known: {string.Join(", ", regions.Select(r => r.Id))}.");
            return 2;
        }
        var tokens = new DriverTokenStore(settings.TokensPath);
        Log($"Simulating {settings.Count} drivers in {string.Join(", ", chosen.Select(r => r.Id))} against {settings.App} (Kafka {producer.Bootstrap}, time x{settings.Scale:0.###}). Ctrl+C ends the shifts.");
        using var view = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var live = SimulatorConsole.Current.RunLiveAsync(view.Token);
        var tasks = Enumerable.Range(1, settings.Count).Select(n =>
        {
            var region = chosen[(n - 1) % chosen.Count];
            var phone = new Phone($"{settings.Prefix}-{n:00}", region, settings, http, producer, tokens);
            return phone.RunAsync(cancellationToken);
        }).ToList();
        try
        {
            await Task.WhenAll(tasks);
        }
        catch (InvalidOperationException ex)
        {
            await view.CancelAsync();
            await live;
            await Console.Error.WriteLineAsync(ex.Message);
            return 1;
        }
        producer.Flush(TimeSpan.FromSeconds(5));
        // Before the live view's last frame, so a terminal shows it too.
        Log("All shifts ended.");
        await view.CancelAsync();
        await live;
        return 0;
    }

    /// <summary>What the phones need from the host, once it answers; null when cancelled first.</summary>
    private static Task<HostFacts?> DiscoverAsync(HttpClient http, DriversSettings settings, CancellationToken cancellationToken) =>
        HostWaiting.UntilAnsweredAsync<HostFacts>(settings.App, async ct =>
        {
            var regions = await http.GetFromJsonAsync<List<RegionInfo>>("api/regions", Json, ct) ?? [];
            using var info = await http.GetFromJsonAsync<JsonDocument>("api/info", Json, ct);
            var scale = info!.RootElement.TryGetProperty("timeScale", out var t) && t.TryGetDouble(out var s) ? s : 1;
            return new HostFacts(settings.Kafka ?? BootstrapOf(info), regions, scale);
        }, cancellationToken);

    private static async Task<string?> HostBootstrapAsync(HttpClient http, CancellationToken cancellationToken)
    {
        using var info = await http.GetFromJsonAsync<JsonDocument>("api/info", Json, cancellationToken);
        return BootstrapOf(info!);
    }

    private static string? BootstrapOf(JsonDocument info) =>
        info.RootElement.TryGetProperty("kafka", out var k) && k.TryGetProperty("bootstrapServers", out var b) ? b.GetString() : null;

    internal static void Log(string message) => SimulatorConsole.Log(message);

    /// <summary>One driver's phone.</summary>
    private sealed class Phone(string driverId, RegionInfo region, DriversSettings settings, HttpClient http, PositionPublisher producer, DriverTokenStore tokens)
    {
        private bool _toldNoToken;
        private string? _shiftKey;
        private GeoPoint _position = Start(driverId, region);
        private int _delivered;
        private string _activity = "starting";
        private string? _job;

        private void Show(string activity, string? job)
        {
            (_activity, _job) = (activity, job);
            SimulatorConsole.Current.Update(driverId, new DriverLine(region.Id, _activity, _position, _job, _delivered));
        }

        public async Task RunAsync(CancellationToken cancellationToken)
        {
            try
            {
                while (!cancellationToken.IsCancellationRequested)
                {
                    Show("waiting for work", null);
                    var job = await ResumeOrStartShiftAsync(cancellationToken) ?? await WaitForJobAsync(cancellationToken);
                    Log($"{driverId}: job {job.DeliveryId} (order {job.OrderId}) from {job.RestaurantId}");
                    if (!job.PickedUp)
                    {
                        Show($"to {job.RestaurantId}", job.OrderId);
                        await DriveToAsync(job.RestaurantLocation, cancellationToken);
                        await ReportAsync("pickup", job, cancellationToken);
                    }
                    Show("to the customer", job.OrderId);
                    await DriveToAsync(job.CustomerLocation, cancellationToken);
                    await ReportAsync("delivered", job, cancellationToken);
                    _shiftKey = null;
                    _delivered++;
                    Show("pausing", null);
                    Log($"{driverId}: delivered order {job.OrderId}");
                    await Task.Delay(settings.Real(settings.Pause), cancellationToken);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                await EndShiftAsync();
            }
        }

        /// <summary>The twin holds the truth: a restarted simulator picks up the job its driver was on.</summary>
        private async Task<Job?> ResumeOrStartShiftAsync(CancellationToken cancellationToken)
        {
            while (true)
            {
                var known = await TryAsync(async () =>
                {
                    using var response = await http.GetAsync($"api/drivers/{driverId}", cancellationToken);
                    return response.StatusCode == HttpStatusCode.NotFound ? null : (await response.EnsureSuccessStatusCode().Content.ReadFromJsonAsync<DriverInfo>(Json, cancellationToken))?.State;
                }, cancellationToken);
                if (known?.Location is { } location)
                {
                    _position = location;
                }
                if (known is { State: "DELIVERING" or "WAITING_FOR_WORK" } && !HoldsTokenFor(known))
                {
                    // Most likely this phone started that shift and lost the answer (the host died meanwhile): its key gets the token again.
                    if (_shiftKey is not null && await StartShiftAsync(cancellationToken) is { } ours)
                    {
                        if (ours)
                        {
                            continue;
                        }
                        // Someone else's shift: this key will not get its token.
                        _shiftKey = null;
                    }
                    // On a shift whose token this phone never got: only its holder (or the operator, ending the shift) can go on.
                    if (!_toldNoToken)
                    {
                        Log($"{driverId} is on a shift this simulator has no token for; waiting for its token in {tokens.Path} or for the shift to end.");
                        _toldNoToken = true;
                    }
                    await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
                    continue;
                }
                if (known is { State: "DELIVERING", Job: { } job })
                {
                    return job;
                }
                if (known is { State: "WAITING_FOR_WORK" })
                {
                    return null;
                }
                // A new shift gets a new key, kept until its job is done: asking again with it (the answer got lost) gets this shift's token.
                _shiftKey ??= NewShiftKey();
                var started = await StartShiftAsync(cancellationToken) is not null;
                if (started)
                {
                    await PublishAsync(cancellationToken);
                    return null;
                }
            }
        }

        /// <summary>Starts the shift of <see cref="_shiftKey"/> (or gets its token again): true with the token, false on 409, null on any other answer.</summary>
        private Task<bool?> StartShiftAsync(CancellationToken cancellationToken) =>
            TryAsync<bool?>(async () =>
            {
                using var response = await http.PostAsJsonAsync($"api/drivers/{driverId}/shift",
                    new { regionId = region.Id, lat = _position.Lat, lon = _position.Lon, speedMetersPerSecond = settings.Speed, shiftKey = _shiftKey }, Json, cancellationToken);
                if (response.StatusCode == HttpStatusCode.BadRequest)
                {
                    // A request the host refuses will never work: say why and stop this phone.
                    throw new InvalidOperationException($"{driverId}: the host refused the shift: {await response.Content.ReadAsStringAsync(cancellationToken)}");
                }
                if (response.IsSuccessStatusCode && await response.Content.ReadFromJsonAsync<ShiftInfo>(Json, cancellationToken) is { Token: { } token })
                {
                    tokens.Set(driverId, token);
                    return true;
                }
                return response.StatusCode == HttpStatusCode.Conflict ? false : null;
            }, cancellationToken);

        /// <summary>Whether this phone's token is for the shift the twin is on (a token is "{shiftId}.{mac}").</summary>
        private bool HoldsTokenFor(TwinState twin) => IsFor(twin, tokens.Get(driverId)) || IsFor(twin, tokens.Get(driverId, reload: true));

        private static bool IsFor(TwinState twin, string? token) =>
            token is not null && (twin.ShiftId is null || token.StartsWith(twin.ShiftId + ".", StringComparison.Ordinal));

        private static string NewShiftKey() => Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));

        private async Task<Job> WaitForJobAsync(CancellationToken cancellationToken)
        {
            while (true)
            {
                var job = await TryAsync(async () =>
                {
                    using var response = await http.GetAsync($"api/drivers/{driverId}/assignment", cancellationToken);
                    return response.StatusCode == HttpStatusCode.OK ? await response.Content.ReadFromJsonAsync<Job>(Json, cancellationToken) : null;
                }, cancellationToken);
                if (job is not null)
                {
                    return job;
                }
                await Task.Delay(settings.Real(settings.Tick), cancellationToken);
            }
        }

        private async Task DriveToAsync(GeoPoint target, CancellationToken cancellationToken)
        {
            while (_position.DistanceTo(target) > 1)
            {
                await Task.Delay(settings.Real(settings.Tick), cancellationToken);
                _position = _position.MoveToward(target, settings.Speed * settings.Tick.TotalSeconds);
                Show(_activity, _job);
                // The new position, not the previous one.
                await PublishAsync(cancellationToken);
            }
        }

        private async Task PublishAsync(CancellationToken cancellationToken) =>
            await TryAsync(async () =>
            {
                await producer.PublishAsync(driverId, JsonSerializer.Serialize(new { lat = _position.Lat, @long = _position.Lon }), tokens.Get(driverId), cancellationToken);
                return true;
            }, cancellationToken);

        private async Task ReportAsync(string what, Job job, CancellationToken cancellationToken)
        {
            await TryAsync(async () =>
            {
                using var request = Authorized(HttpMethod.Post, $"api/drivers/{driverId}/{what}");
                request.Content = JsonContent.Create(new { deliveryId = job.DeliveryId }, options: Json);
                using var response = await http.SendAsync(request, cancellationToken);
                if (response.StatusCode == HttpStatusCode.Unauthorized)
                {
                    // Someone else started this driver's shift since: read the file again, and say so.
                    Log($"{driverId}: the host refused this phone's token for {what}; reading {tokens.Path} again");
                    tokens.Get(driverId, reload: true);
                }
                if (response.StatusCode == HttpStatusCode.Conflict)
                {
                    // Already reported before a restart of this simulator: the twin has it.
                    return true;
                }
                response.EnsureSuccessStatusCode();
                return true;
            }, cancellationToken);
        }

        private async Task EndShiftAsync()
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                using var request = Authorized(HttpMethod.Delete, $"api/drivers/{driverId}/shift");
                using var response = await http.SendAsync(request, timeout.Token);
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                Log($"{driverId}: could not end the shift: {ex.Message}");
            }
        }

        private HttpRequestMessage Authorized(HttpMethod method, string path)
        {
            var request = new HttpRequestMessage(method, path);
            if (tokens.Get(driverId) is { } token)
            {
                request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
            }
            return request;
        }

        /// <summary>Retries until it works: the host or Kafka being away is reported, not fatal.</summary>
        private async Task<T> TryAsync<T>(Func<Task<T>> action, CancellationToken cancellationToken)
        {
            var delay = TimeSpan.FromMilliseconds(500);
            while (true)
            {
                try
                {
                    return await action();
                }
                catch (Exception ex) when (ex is HttpRequestException or KafkaException or JsonException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
                {
                    Log($"{driverId}: {ex.Message}; retrying in {delay.TotalSeconds:0.#} s");
                    await Task.Delay(delay, cancellationToken);
                    delay = TimeSpan.FromSeconds(Math.Min(10, delay.TotalSeconds * 2));
                }
            }
        }

        private static GeoPoint Start(string driverId, RegionInfo region)
        {
            var random = new Random(driverId.Aggregate(17, (h, c) => h * 31 + c));
            return region.Center.Offset(region.RadiusMeters * Math.Sqrt(random.NextDouble()), 360 * random.NextDouble());
        }
    }
}
