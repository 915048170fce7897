using System.Net;

namespace FoodOrdering.Chaos.Tests;

/// <summary>
/// One FoodOrdering host as a real process on a fixed port, so a restart comes back where the kitchens' callbacks
/// and the simulator expect it. Killing is SIGKILL; starting again runs the same configuration.
/// </summary>
public sealed class HostProcess : IDisposable
{
    private readonly List<string> _earlierOutput = [];
    private readonly IReadOnlyDictionary<string, string> _environment;
    private ChildProcess? _process;

    public HostProcess(int number, IReadOnlyDictionary<string, string> environment)
    {
        Number = number;
        _environment = environment;
        BaseAddress = new Uri($"http://127.0.0.1:{FoodOrderingSystem.FreePort()}/");
        Http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        // The tests act as the operator (cancelling orders, reading the runs and the ledger).
        Http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", environment["Security__OperatorToken"]);
    }

    public int Number { get; }

    public Uri BaseAddress { get; }

    /// <summary>A client of this host's API (relative URLs), as the operator.</summary>
    public HttpClient Http { get; }

    public int Starts { get; private set; }

    public bool IsRunning => _process is { HasExited: false };

    /// <summary>Every setting of this host, as environment variables, including its own address.</summary>
    public IReadOnlyDictionary<string, string> Environment => new Dictionary<string, string>(_environment)
    {
        ["FoodOrdering__PublicBaseUrl"] = BaseAddress.ToString(),
    };

    public void Start()
    {
        if (_process is not null)
        {
            _earlierOutput.Add(_process.Output());
            _process.Dispose();
        }
        _process = ChildProcess.Start("FoodOrdering.Host", ["--urls", BaseAddress.ToString().TrimEnd('/')], Environment);
        Starts++;
    }

    public async Task KillAsync()
    {
        if (_process is not null)
        {
            await _process.KillAsync();
        }
    }

    /// <summary>Whether the host answers /health now (it may still be starting, or dead).</summary>
    public async Task<bool> IsHealthyAsync(CancellationToken cancellationToken)
    {
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "health");
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(5));
            using var response = await Http.SendAsync(request, timeout.Token);
            return response.StatusCode == HttpStatusCode.OK;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    public string Output() =>
        $"=== host {Number} ({BaseAddress}, {Starts} starts) ===\n" + (_earlierOutput.Count > 0 ? _earlierOutput[^1] + "\n" : "") + (_process?.Output() ?? "(never started)");

    public void Dispose()
    {
        _process?.Dispose();
        Http.Dispose();
    }
}
