using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Confluent.Kafka;
using FoodOrdering.Domain.Geo;
using FoodOrdering.Kafka;

namespace FoodOrdering.DriverSimulator;

public sealed record DriversSettings(Uri App, string? Kafka, int Count, string[] Regions, double Speed, TimeSpan Tick, TimeSpan Pause, string Prefix, double? TimeScale)
{
    /// <summary>The host's time scale unless given: ticks and pauses are simulated time, waited in real time divided by it.</summary>
    public double Scale { get; init; } = TimeScale ?? 1;

    public TimeSpan Real(TimeSpan simulated) => simulated / Scale;
}

internal sealed record Job(string DeliveryId, string OrderId, string RestaurantId, GeoPoint RestaurantLocation, GeoPoint CustomerLocation, bool PickedUp);

internal sealed record RegionInfo(string Id, string Name, GeoPoint Center, double RadiusMeters);

internal sealed record TwinState(string DriverId, string State, string? RegionId, GeoPoint? Location, Job? Job);

internal sealed record DriverInfo(string DriverId, TwinState State);

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
        var (bootstrap, regions, hostScale) = await DiscoverAsync(http, settings, cancellationToken);
        if (bootstrap is null)
        {
            return 1;
        }
        settings = settings with { Scale = settings.TimeScale ?? hostScale };
        KafkaNative.EnsureLoaded();
        using var producer = new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = bootstrap, LingerMs = 5, MessageTimeoutMs = 30_000 })
            .SetErrorHandler((_, e) => Log($"Kafka: {e.Reason}{(e.IsFatal ? " (fatal)" : "; retrying")}"))
            .Build();
        var chosen = settings.Regions.Length == 0 ? regions : regions.Where(r => settings.Regions.Contains(r.Id)).ToList();
        if (chosen.Count == 0)
        {
            await Console.Error.WriteLineAsync($"No such region; known: {string.Join(", ", regions.Select(r => r.Id))}.");
            return 2;
        }
        Log($"Simulating {settings.Count} drivers in {string.Join(", ", chosen.Select(r => r.Id))} against {settings.App} (Kafka {bootstrap}, time x{settings.Scale:0.###}). Ctrl+C ends the shifts.");
        using var view = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var live = SimulatorConsole.RunLiveAsync(view.Token);
        var tasks = Enumerable.Range(1, settings.Count).Select(n =>
        {
            var region = chosen[(n - 1) % chosen.Count];
            var phone = new Phone($"{settings.Prefix}-{n:00}", region, settings, http, producer);
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
        await view.CancelAsync();
        await live;
        producer.Flush(TimeSpan.FromSeconds(5));
        Log("All shifts ended.");
        return 0;
    }

    private static async Task<(string? Bootstrap, List<RegionInfo> Regions, double TimeScale)> DiscoverAsync(HttpClient http, DriversSettings settings, CancellationToken cancellationToken)
    {
        var delay = TimeSpan.FromSeconds(1);
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                var regions = await http.GetFromJsonAsync<List<RegionInfo>>("api/regions", Json, cancellationToken) ?? [];
                using var info = await http.GetFromJsonAsync<JsonDocument>("api/info", Json, cancellationToken);
                var bootstrap = settings.Kafka
                    ?? (info!.RootElement.TryGetProperty("kafka", out var k) && k.TryGetProperty("bootstrapServers", out var b) ? b.GetString() : null);
                var scale = info!.RootElement.TryGetProperty("timeScale", out var t) && t.TryGetDouble(out var s) ? s : 1;
                if (bootstrap is null)
                {
                    await Console.Error.WriteLineAsync("The host's /api/info names no Kafka bootstrap servers; pass --kafka.");
                    return (null, regions, scale);
                }
                return (bootstrap, regions, scale);
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or JsonException && !cancellationToken.IsCancellationRequested)
            {
                Log($"Waiting for the host at {settings.App}: {ex.Message}");
                await Task.Delay(delay, cancellationToken).ContinueWith(_ => { }, TaskScheduler.Default);
                delay = TimeSpan.FromSeconds(Math.Min(10, delay.TotalSeconds * 2));
            }
        }
        return (null, [], 1);
    }

    internal static void Log(string message) => SimulatorConsole.Log(message);

    /// <summary>One driver's phone.</summary>
    private sealed class Phone(string driverId, RegionInfo region, DriversSettings settings, HttpClient http, IProducer<string, string> producer)
    {
        private GeoPoint _position = Start(driverId, region);
        private int _delivered;
        private string _activity = "starting";
        private string? _job;

        private void Show(string activity, string? job)
        {
            (_activity, _job) = (activity, job);
            SimulatorConsole.Update(driverId, new DriverLine(region.Id, _activity, _position, _job, _delivered));
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
                if (known is { State: "DELIVERING", Job: { } job })
                {
                    return job;
                }
                if (known is { State: "WAITING_FOR_WORK" })
                {
                    return null;
                }
                var started = await TryAsync(async () =>
                {
                    using var response = await http.PostAsJsonAsync($"api/drivers/{driverId}/shift",
                        new { regionId = region.Id, lat = _position.Lat, lon = _position.Lon, speedMetersPerSecond = settings.Speed }, Json, cancellationToken);
                    if (response.StatusCode == HttpStatusCode.BadRequest)
                    {
                        // A request the host refuses will never work: say why and stop this phone.
                        throw new InvalidOperationException($"{driverId}: the host refused the shift: {await response.Content.ReadAsStringAsync(cancellationToken)}");
                    }
                    return response.IsSuccessStatusCode || response.StatusCode == HttpStatusCode.Conflict;
                }, cancellationToken);
                if (started)
                {
                    await PublishAsync(cancellationToken);
                    return null;
                }
            }
        }

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
                // Traced (and sampled) like any producer's record, so a kept position's trace runs on into the host.
                using var span = KafkaTracing.StartSend("driver-updates", driverId);
                await producer.ProduceAsync("driver-updates", new Message<string, string>
                {
                    Key = driverId, Value = JsonSerializer.Serialize(new { lat = _position.Lat, @long = _position.Lon }), Headers = KafkaTracing.Inject(span),
                }, cancellationToken);
                return true;
            }, cancellationToken);

        private async Task ReportAsync(string what, Job job, CancellationToken cancellationToken)
        {
            await TryAsync(async () =>
            {
                using var response = await http.PostAsJsonAsync($"api/drivers/{driverId}/{what}", new { deliveryId = job.DeliveryId }, Json, cancellationToken);
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
                using var response = await http.DeleteAsync($"api/drivers/{driverId}/shift", timeout.Token);
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                Log($"{driverId}: could not end the shift: {ex.Message}");
            }
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
