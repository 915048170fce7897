using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using FoodOrdering.Domain.Geo;
using FoodOrdering.Domain.Orders;
using FoodOrdering.Host.Food;
using FoodOrdering.Testing;

namespace FoodOrdering.Benchmarks.EndToEnd;

/// <summary>
/// Drivers on shift who act the moment the live order stream names them: pickup, delivered, then a new shift, each
/// through the drivers' HTTP API with the token of the driver's current shift, as the phone app does (no positions).
/// A report the twin is not ready for yet (409: the job or the pickup has not reached it) is repeated after a
/// millisecond or a few (backing off to 100 ms), as a driver pressing the button again; so is a 401, counted apart (see <see cref="Refusals"/>).
/// </summary>
internal sealed class InstantDrivers(HttpClient http)
{
    private static readonly TimeSpan GiveUpAfter = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Repeats wait 1 ms, then twice as long each time, up to this: an overloaded host is not flooded by drivers pressing
    /// the button hundreds of times a second (with 20 ms, 200 orders/s drew 3,800 repeats/s, a load of their own).
    /// </summary>
    private static readonly TimeSpan MaxRepeatDelay = TimeSpan.FromMilliseconds(100);
    private readonly ConcurrentDictionary<string, string> _tokens = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _regions = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, bool> _dispatched = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<Task> _jobs = new();
    private long _repeats;
    private long _refusals;

    public int Count => _regions.Count;

    /// <summary>Reports answered 409 and sent again.</summary>
    public long Repeats => Interlocked.Read(ref _repeats);

    /// <summary>
    /// Reports answered 401 (the twin's status named another shift than the driver's token) and sent again: seen under
    /// heavy load, counted so that it stays visible.
    /// </summary>
    public long Refusals => Interlocked.Read(ref _refusals);

    /// <summary>Starts the shifts of <paramref name="perRegion"/> drivers in each region and waits until the matchers know them all.</summary>
    public async Task StartShiftsAsync(IReadOnlyDictionary<Region, int> perRegion, CancellationToken cancellationToken)
    {
        var drivers = perRegion.SelectMany(r => Enumerable.Range(0, r.Value).Select(i => (Id: $"bench-{r.Key.Id}-{i}", Region: r.Key.Id))).ToList();
        await Parallel.ForEachAsync(drivers, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken }, async (driver, ct) =>
        {
            _regions[driver.Id] = driver.Region;
            await StartShiftAsync(driver.Id, ct);
        });
        await Poll.UntilAsync(async ct => (await http.GetFromJsonAsync<List<RegionView>>("api/regions", FoodOrderingSystem.Json, ct))!.Sum(r => r.WaitingDrivers),
            waiting => waiting == drivers.Count, "every driver to wait for work", TimeSpan.FromSeconds(60));
    }

    /// <summary>An order's change from the live stream: a driver named for a waiting order goes at once.</summary>
    public void OnChange(OrderView view)
    {
        if (view.Status is { State: OrderState.WaitingForDriver, DriverId: { } driver } && _regions.ContainsKey(driver) && _dispatched.TryAdd(view.Id, true))
        {
            _jobs.Enqueue(DeliverAsync(driver, view.Id));
        }
    }

    /// <summary>Waits for every job under way; a driver whose report failed fails the run here.</summary>
    public async Task DrainAsync()
    {
        while (_jobs.TryDequeue(out var job))
        {
            await job;
        }
    }

    private async Task DeliverAsync(string driver, string orderId)
    {
        var job = new JobReport($"delivery-{orderId}");
        await SendAsync(driver, $"api/drivers/{driver}/pickup", job, CancellationToken.None);
        await SendAsync(driver, $"api/drivers/{driver}/delivered", job, CancellationToken.None);
        await StartShiftAsync(driver, CancellationToken.None);
    }

    private async Task StartShiftAsync(string driver, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(driver, $"api/drivers/{driver}/shift", new StartShift(_regions[driver], null, null, null), cancellationToken);
        var shift = await response.Content.ReadFromJsonAsync<ShiftView>(FoodOrderingSystem.Json, cancellationToken);
        _tokens[driver] = shift!.Token;
    }

    private async Task<HttpResponseMessage> SendAsync<T>(string driver, string path, T body, CancellationToken cancellationToken)
    {
        var giveUp = DateTime.UtcNow + GiveUpAfter;
        var wait = TimeSpan.FromMilliseconds(1);
        while (true)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body, options: FoodOrderingSystem.Json) };
            if (_tokens.TryGetValue(driver, out var token))
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            }
            var response = await http.SendAsync(request, cancellationToken);
            if (response.IsSuccessStatusCode)
            {
                return response;
            }
            var problem = await response.Content.ReadAsStringAsync(cancellationToken);
            response.Dispose();
            if (response.StatusCode is not (HttpStatusCode.Conflict or HttpStatusCode.Unauthorized) || DateTime.UtcNow > giveUp)
            {
                throw new InvalidOperationException($"POST {path} answered {(int)response.StatusCode}: {problem}");
            }
            Interlocked.Increment(ref response.StatusCode == HttpStatusCode.Conflict ? ref _repeats : ref _refusals);
            await Task.Delay(wait, cancellationToken);
            wait = TimeSpan.FromMilliseconds(Math.Min(MaxRepeatDelay.TotalMilliseconds, wait.TotalMilliseconds * 2));
        }
    }
}
