using System.Diagnostics;
using System.Net.Http.Json;
using FoodOrdering.Benchmarks.EndToEnd;
using FoodOrdering.Benchmarks.Infrastructure;
using FoodOrdering.Domain.Geo;
using FoodOrdering.Domain.Orders;
using FoodOrdering.Domain.Restaurants;
using FoodOrdering.Testing;

namespace FoodOrdering.Benchmarks.Figures;

/// <summary>
/// The whole system: the real host as its own process (embedded Kafka broker, SQLite), orders POSTed to
/// /api/orders on an open-loop schedule, each followed through Kafka, its workflow, the payment stub, the
/// kitchen (preparation time zero) and a driver (instant: reacting to the assignment at once through the HTTP
/// API) to DELIVERED, seen on the live order stream. Baseline: GET /api/info round trips to the same host.
/// </summary>
public sealed class EndToEndFigure : IFigure
{
    public const string FigureName = "e2e";
    private const double TargetP50 = 50;
    private const double TargetP99 = 250;
    private const int BaselineRequests = 200;

    /// <summary>Lag "grows" when the last window's mean exceeds the first's by more than this many seconds' worth of orders.</summary>
    private const double GrowthAllowanceSeconds = 0.05;

    public string Name => FigureName;
    public string Title => "end to end: POST /api/orders → DELIVERED p50 / p99";

    public string Size(BenchmarkSettings settings) => $"{settings.EndToEndRate:N0} orders/s for {settings.EndToEndSeconds:N0} s";

    public async Task<FigureResult> RunAsync(BenchmarkContext context)
    {
        var rate = context.Settings.EndToEndRate;
        var duration = TimeSpan.FromSeconds(context.Settings.EndToEndSeconds);
        context.Progress.Line($"[{Name}] starting the host (embedded Kafka broker, SQLite, kitchen prep time 0)");
        await using var system = await FoodOrderingSystem.StartAsync(new Dictionary<string, string>
        {
            ["FoodOrdering__KitchenPrepTimeFactor"] = "0",
            // Intake makes what has arrived durable side by side (the default, 1, handles one record at a time).
            ["Kafka__HandleBatchSize"] = "32",
            // One client sends every customer's and every driver's requests: the per-client rate limit would measure itself.
            ["Security__RequestsPerSecond"] = "1000000",
            ["Security__RequestBurst"] = "1000000",
        });
        using var http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = Timeout.InfiniteTimeSpan })
        {
            BaseAddress = system.BaseAddress, Timeout = TimeSpan.FromSeconds(60),
        };
        using var streamHttp = new HttpClient { BaseAddress = system.BaseAddress, Timeout = Timeout.InfiniteTimeSpan };
        using var stop = new CancellationTokenSource();

        var drivers = new InstantDrivers(http);
        OrderLoad? current = null;
        var opened = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var stream = OrderEventStream.ReadAsync(streamHttp, view =>
        {
            drivers.OnChange(view);
            Volatile.Read(ref current)?.OnChange(view);
        }, opened, stop.Token);
        await opened.Task.WaitAsync(TimeSpan.FromSeconds(30));

        await drivers.StartShiftsAsync(DriversPerRegion(rate), CancellationToken.None);
        context.Progress.Line($"[{Name}] {drivers.Count} drivers on shift; warming up");

        var warmup = new OrderLoad(http, "warmup");
        Volatile.Write(ref current, warmup);
        await warmup.SendAsync(WarmupRate(rate), WarmupTime(duration), CancellationToken.None);
        if (!await warmup.WaitForEndsAsync(TimeSpan.FromSeconds(60), CancellationToken.None))
        {
            throw new TimeoutException($"{warmup.NotEnded} warm-up orders did not end.\n{system.Diagnostics()}");
        }

        var baseline = await BaselineAsync(http);
        context.Progress.Line($"[{Name}] baseline GET /api/info p50 {Statistics.Median(baseline):N2} ms; {rate:N0} orders/s for {duration.TotalSeconds:N0} s");

        var load = new OrderLoad(http, "bench");
        Volatile.Write(ref current, load);
        var cpuBefore = Cpu(system);
        var samples = new List<LagSample>();
        var clock = Stopwatch.StartNew();
        using var sampling = new CancellationTokenSource();
        var sampler = SampleAsync(http, load, clock, samples, sampling.Token);
        await load.SendAsync(rate, duration, CancellationToken.None);
        var sentIn = clock.Elapsed;
        var drain = TimeSpan.FromSeconds(Math.Max(30, duration.TotalSeconds));
        var allEnded = await load.WaitForEndsAsync(drain, CancellationToken.None);
        await sampling.CancelAsync();
        await sampler;
        var cpu = Cpu(system) - cpuBefore;
        var fromStatus = await load.CompleteFromStatusAsync(CancellationToken.None);
        await drivers.DrainAsync();
        await stop.CancelAsync();
        await stream;

        return Result(context, rate, duration, load, samples, baseline, sentIn, allEnded, fromStatus, drivers, cpu);
    }

    private static CpuUse Cpu(FoodOrderingSystem system) =>
        new(ProcessCpu.OfProcess(system.Host.Id) ?? TimeSpan.Zero, Process.GetCurrentProcess().TotalProcessorTime);

    private FigureResult Result(BenchmarkContext context, double rate, TimeSpan duration, OrderLoad load, List<LagSample> samples, double[] baseline,
        TimeSpan sentIn, bool allEnded, int fromStatus, InstantDrivers drivers, CpuUse cpu)
    {
        var orders = load.Orders;
        var delivered = orders.Where(o => o.DeliveredAfterMs is not null).ToList();
        var latencies = delivered.Select(o => o.DeliveredAfterMs!.Value).ToArray();
        if (latencies.Length == 0)
        {
            throw new InvalidOperationException($"No order was delivered (sent {load.Sent}).");
        }
        var p50 = Statistics.Percentile(latencies, 50);
        var p99 = Statistics.Percentile(latencies, 99);
        var firstSent = orders.Min(o => o.SentAt);
        var lastEnded = delivered.Where(o => o.EndedAt != 0).Select(o => o.EndedAt).DefaultIfEmpty(firstSent).Max();
        var deliveredPerSecond = delivered.Count / Math.Max(sentIn.TotalSeconds, Stopwatch.GetElapsedTime(firstSent, lastEnded).TotalSeconds);
        var answered = orders.Where(o => o.AnsweredAt != 0).Select(o => Stopwatch.GetElapsedTime(o.SentAt, o.AnsweredAt).TotalMilliseconds).ToArray();
        var postErrors = orders.Where(o => o.PostError is not null).ToList();
        var otherEnds = orders.Where(o => o.End is { } end && end != OrderState.Delivered).GroupBy(o => o.End).Select(g => $"{g.Count()} {g.Key}").ToList();

        var window = Math.Clamp(duration.TotalSeconds / 3, 1, 10);
        var during = samples.Where(s => s.Second <= sentIn.TotalSeconds).ToList();
        var first = during.Where(s => s.Second <= window).DefaultIfEmpty(new LagSample(0, 0, 0)).ToList();
        var last = during.Where(s => s.Second > sentIn.TotalSeconds - window).DefaultIfEmpty(new LagSample(0, 0, 0)).ToList();
        var (lagFirst, lagLast) = (first.Average(s => s.KafkaLag), last.Average(s => s.KafkaLag));
        var (openFirst, openLast) = (first.Average(s => s.NotEnded), last.Average(s => s.NotEnded));
        var allowance = rate * GrowthAllowanceSeconds;
        var grew = lagLast > lagFirst + allowance || openLast > openFirst + allowance;

        var baseP50 = Statistics.Median(baseline);
        var hostCpuPerOrder = cpu.Host.TotalMilliseconds / Math.Max(1, delivered.Count);
        var loadCpuPerOrder = cpu.LoadGenerator.TotalMilliseconds / Math.Max(1, delivered.Count);
        context.Progress.Line($"[{Name}] p50 {p50:N1} ms, p99 {p99:N1} ms, {deliveredPerSecond:N0} delivered/s; not ended {openFirst:N0} → {openLast:N0}, Kafka lag {lagFirst:N0} → {lagLast:N0}; " +
            $"CPU per order: host {hostCpuPerOrder:N1} ms, load generator {loadCpuPerOrder:N1} ms");
        return new FigureResult(Title, $"p50 {p50:N1} ms / p99 {p99:N1} ms, {deliveredPerSecond:N0} delivered/s, lag {(grew ? "grew" : "steady")}",
            $"p50 <= {TargetP50:N0} ms, p99 <= {TargetP99:N0} ms at {rate:N0} orders/s, no lag growth",
            $"{baseP50:N2} ms (GET /api/info round trip)", $"p50 {p50 / baseP50:N0}× / p99 {p99 / baseP50:N0}× the round trip")
        {
            TargetMet = p50 <= TargetP50 && p99 <= TargetP99 && !grew && allEnded && postErrors.Count == 0 && delivered.Count == load.Sent,
            Notes =
            [
                "The host runs as its own process (`dotnet FoodOrdering.Host.dll`, its Program.cs wiring untouched, Release build), as users run it: its GC, thread pool and " +
                "Kestrel are not shared with the load generator, and the HTTP, Kafka and SSE hops are real sockets. Configuration: FoodOrdering:KitchenPrepTimeFactor=0, Kafka:HandleBatchSize=32 " +
                "(an order is ready when the point of sale accepts it), the payment stub answers at once, deliveryDelay 0, the per-client rate limit raised (one client sends for everybody).",
                $"{drivers.Count} instant drivers on shift (about half the offered orders/s, spread over the regions): on the live stream's WAITING_FOR_DRIVER they POST pickup and delivered " +
                $"with their shift token, then start a new shift; {drivers.Repeats:N0} reports answered 409 (not yet seen by the twin) and " +
                $"{drivers.Refusals:N0} answered 401 (the twin's status named another shift than the driver's token); both were repeated after 1 ms, doubling up to 100 ms.",
                $"{load.Sent:N0} orders sent open-loop in {sentIn.TotalSeconds:N1} s (sender at most {load.MaxSendLagMs:N0} ms behind schedule), spread over {Catalog.All.Count} restaurants; " +
                $"{delivered.Count:N0} delivered{(otherEnds.Count > 0 ? ", " + string.Join(", ", otherEnds) : "")}{(postErrors.Count > 0 ? $", {postErrors.Count} POSTs failed (first: {postErrors[0].PostError})" : "")}" +
                $"{(allEnded ? "" : ", some did not end within the drain time")}; after a warm-up of {WarmupRate(rate) * WarmupTime(duration).TotalSeconds:N0} orders in {WarmupTime(duration).TotalSeconds:N0} s " +
                "(the host's tiered JIT recompiles its hot paths in the first seconds of load, which would otherwise count against the first orders).",
                $"Latency = POST sent → DELIVERED seen on GET /api/orders/events (so it includes the POST and the stream); mean {latencies.Average():N1} ms, p90 {Statistics.Percentile(latencies, 90):N1} ms, " +
                $"max {latencies.Max():N0} ms; {fromStatus} ends read from the order's status history instead (the stream dropped them). POST answered (202, after the Kafka hand-off): " +
                $"p50 {Statistics.Percentile(answered, 50):N1} ms, p99 {Statistics.Percentile(answered, 99):N1} ms.",
                $"Lag, first vs last {window:N0} s of sending (sampled each second): orders not yet ended {openFirst:N1} → {openLast:N1}, intake's Kafka lag (GET /api/metrics) {lagFirst:N1} → {lagLast:N1}; " +
                $"growth = the last window's mean above the first's by more than {allowance:N0} orders ({GrowthAllowanceSeconds * 1000:N0} ms of offered load).",
                $"Where the time went (medians over delivered orders, from each order's recorded status history): {load.StageMedians()}.",
                $"CPU per delivered order, from the sending of the first order to the end of the drain (/proc): host process {hostCpuPerOrder:N1} ms, this load generator " +
                $"(HTTP clients, live stream, drivers) {loadCpuPerOrder:N1} ms. On {Environment.ProcessorCount} cores that bounds the host alone at " +
                $"{Environment.ProcessorCount * 1000 / hostCpuPerOrder:N0} orders/s, and the host with its load at {Environment.ProcessorCount * 1000 / (hostCpuPerOrder + loadCpuPerOrder):N0} orders/s.",
                $"Baseline: {BaselineRequests} sequential GET /api/info to the same host after the warm-up: p50 {baseP50:N2} ms, p99 {Statistics.Percentile(baseline, 99):N2} ms.",
            ],
        };
    }

    private static double WarmupRate(double rate) => Math.Min(rate, 20);

    private static TimeSpan WarmupTime(TimeSpan duration) => TimeSpan.FromSeconds(Math.Min(10, duration.TotalSeconds));

    /// <summary>About half the offered orders/s in drivers, spread over the regions as the restaurants are (at least two each).</summary>
    private static Dictionary<Region, int> DriversPerRegion(double rate) =>
        Regions.All.ToDictionary(r => r, r => Math.Max(2, (int)Math.Ceiling(rate / 2 * Catalog.All.Count(c => c.RegionId == r.Id) / Catalog.All.Count)));

    private static async Task<double[]> BaselineAsync(HttpClient http)
    {
        var trips = new double[BaselineRequests];
        for (var i = 0; i < trips.Length; i++)
        {
            var started = Stopwatch.GetTimestamp();
            using var response = await http.GetAsync("api/info");
            response.EnsureSuccessStatusCode();
            await response.Content.ReadAsByteArrayAsync();
            trips[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        }
        return trips;
    }

    private static async Task SampleAsync(HttpClient http, OrderLoad load, Stopwatch clock, List<LagSample> samples, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                var metrics = await http.GetFromJsonAsync<MetricsView>("api/metrics", FoodOrderingSystem.Json, cancellationToken);
                samples.Add(new LagSample(clock.Elapsed.TotalSeconds, metrics?.KafkaLag.GetValueOrDefault("orders") ?? 0, load.NotEnded));
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Sending and draining are over.
        }
    }

    /// <summary>CPU used so far by the host process and by this load generator.</summary>
    private sealed record CpuUse(TimeSpan Host, TimeSpan LoadGenerator)
    {
        public static CpuUse operator -(CpuUse after, CpuUse before) => new(after.Host - before.Host, after.LoadGenerator - before.LoadGenerator);
    }

    private sealed record MetricsView(IReadOnlyDictionary<string, long> KafkaLag);
}
