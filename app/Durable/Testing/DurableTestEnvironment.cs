using Durable.Client;
using Durable.Hosting;
using Durable.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Durable.Testing;

/// <summary>
/// A real engine on a real SQLite file in a temporary folder, with time skipping by default:
/// start it, run workflows through <see cref="Client"/>, restart it to test recovery, dispose it.
/// </summary>
public sealed class DurableTestEnvironment : IAsyncDisposable
{
    private readonly Action<DurableBuilder> _register;
    private readonly Action<IServiceCollection>? _services;
    private readonly Action<DurableOptions>? _options;
    private readonly bool _ownsDirectory;
    private ServiceProvider? _provider;
    private DurableWorker? _worker;

    private DurableTestEnvironment(string storePath, bool ownsDirectory, TimeProvider time, Action<DurableBuilder> register,
        Action<IServiceCollection>? services, Action<DurableOptions>? options)
    {
        StorePath = storePath;
        _ownsDirectory = ownsDirectory;
        Time = time;
        _register = register;
        _services = services;
        _options = options;
    }

    public string StorePath { get; }
    public TimeProvider Time { get; }
    public DurableClient Client => Services.GetRequiredService<DurableClient>();
    public IWorkflowStore Store => Services.GetRequiredService<IWorkflowStore>();
    public IServiceProvider Services => _provider ?? throw new InvalidOperationException("The environment is stopped.");
    public DurableWorker Worker => _worker ?? throw new InvalidOperationException("The environment is stopped.");

    /// <param name="register">Adds the workflows and activities under test.</param>
    /// <param name="timeSkipping">Skip over idle time to the next timer (true), or run at real speed.</param>
    /// <param name="services">Adds the activities' own dependencies.</param>
    /// <param name="storePath">An existing store to open; a fresh temporary one when null.</param>
    /// <param name="timeProvider">A clock shared with other parts of the test; overrides <paramref name="timeSkipping"/>.</param>
    public static async Task<DurableTestEnvironment> StartAsync(
        Action<DurableBuilder> register,
        bool timeSkipping = true,
        Action<IServiceCollection>? services = null,
        Action<DurableOptions>? options = null,
        string? storePath = null,
        TimeProvider? timeProvider = null)
    {
        var owns = storePath is null;
        storePath ??= Path.Combine(Path.GetTempPath(), "durable-tests", Guid.NewGuid().ToString("N"), "durable.db");
        timeProvider ??= timeSkipping ? new SkippingTimeProvider() : TimeProvider.System;
        var environment = new DurableTestEnvironment(storePath, owns, timeProvider, register, services, options);
        await environment.StartWorkerAsync();
        return environment;
    }

    /// <summary>
    /// Moves the clock forward: by <paramref name="by"/> at once, so timers due by then fire. Time also
    /// skips by itself while a test waits in <see cref="Durable.Client.DurableClient.GetResultAsync{TResult}"/>.
    /// </summary>
    public async Task AdvanceTimeAsync(TimeSpan by)
    {
        if (Time is not SkippingTimeProvider skipping)
        {
            throw new InvalidOperationException("This environment runs at real speed (timeSkipping: false).");
        }
        skipping.Advance(by);
        // Looking at what is due now wakes the worker for the timers that just fired.
        await Store.GetNextDueTimeAsync(Time.GetUtcNow(), CancellationToken.None);
    }

    /// <summary>Lets time skip ahead whenever the engine is idle, until the scope is disposed.</summary>
    public IDisposable AllowTimeSkipping() =>
        (Time as SkippingTimeProvider)?.AllowSkipping() ?? throw new InvalidOperationException("This environment runs at real speed (timeSkipping: false).");

    /// <summary>Stops the worker and closes the store, then opens both again: a clean restart.</summary>
    public async Task RestartAsync()
    {
        await StopAsync();
        await StartWorkerAsync();
    }

    private async Task StartWorkerAsync()
    {
        var collection = new ServiceCollection();
        collection.AddLogging(b => b.SetMinimumLevel(LogLevel.Warning));
        collection.AddSingleton(Time);
        _services?.Invoke(collection);
        var builder = collection.AddDurable(o =>
        {
            o.StorePath = StorePath;
            o.PollInterval = TimeSpan.FromMilliseconds(200);
            o.StuckRetryMaxDelay = TimeSpan.FromSeconds(2);
            _options?.Invoke(o);
        });
        _register(builder);
        _provider = collection.BuildServiceProvider();
        _worker = _provider.GetRequiredService<DurableWorker>();
        await _worker.StartAsync(CancellationToken.None);
    }

    private async Task StopAsync()
    {
        if (_worker is not null)
        {
            await _worker.StopAsync(CancellationToken.None);
            _worker.Dispose();
            _worker = null;
        }
        if (_provider is not null)
        {
            await _provider.DisposeAsync();
            _provider = null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        if (_ownsDirectory)
        {
            try
            {
                Directory.Delete(Path.GetDirectoryName(StorePath)!, recursive: true);
            }
            catch (IOException)
            {
                // A leftover temp folder is harmless.
            }
        }
    }
}
