using Durable.Client;
using Durable.Hosting;
using Durable.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FoodOrdering.Benchmarks.Infrastructure;

/// <summary>
/// The engine as a host wires it (AddDurable with its default options, real time), on a store in
/// the benchmark's work folder. Only the store path is set (and, where a figure says so, the drain timeout), so the numbers are the defaults' numbers.
/// </summary>
public sealed class BenchmarkEngine : IAsyncDisposable
{
    private readonly ServiceProvider _provider;

    private BenchmarkEngine(ServiceProvider provider, string folder)
    {
        _provider = provider;
        Folder = folder;
    }

    public string Folder { get; }
    public IServiceProvider Services => _provider;
    public DurableClient Client => _provider.GetRequiredService<DurableClient>();
    public DurableWorker Worker => _provider.GetRequiredService<DurableWorker>();
    public DurableEngine Engine => _provider.GetRequiredService<DurableEngine>();
    public DurableOptions Options => Engine.Options;

    /// <summary>Transactions and writes the store's single writer has committed so far, and the SQL statements it has run.</summary>
    public (long Batches, long Writes, long Statements) CommitStatistics =>
        Engine.Store is SqliteWorkflowStore sqlite ? sqlite.CommitStatistics : (0, 0, 0);

    /// <summary>Sizes of the database file and its write-ahead log, as they stand.</summary>
    public string StoreFiles
    {
        get
        {
            var db = Path.Combine(Folder, "durable.db");
            static double Megabytes(string path) => File.Exists(path) ? new FileInfo(path).Length / (1024.0 * 1024) : 0;
            return $"database {Megabytes(db):N1} MB, WAL {Megabytes(db + "-wal"):N1} MB";
        }
    }

    /// <param name="options">Besides the store path: the store to use (the PostgreSQL figure), nothing else.</param>
    public static async Task<BenchmarkEngine> StartAsync(string folder, Action<DurableBuilder> register, Action<IServiceCollection>? services = null,
        Action<DurableOptions>? options = null)
    {
        Directory.CreateDirectory(folder);
        var collection = new ServiceCollection();
        // Warnings only: a stuck workflow or a failing loop must show, nothing else may cost time.
        collection.AddLogging(b => b.SetMinimumLevel(LogLevel.Warning).AddSimpleConsole(o => o.SingleLine = true));
        services?.Invoke(collection);
        register(collection.AddDurable(o =>
        {
            o.StorePath = Path.Combine(folder, "durable.db");
            options?.Invoke(o);
        }));
        var provider = collection.BuildServiceProvider();
        await provider.GetRequiredService<DurableWorker>().StartAsync(CancellationToken.None);
        return new BenchmarkEngine(provider, folder);
    }

    public async ValueTask DisposeAsync()
    {
        var worker = _provider.GetRequiredService<DurableWorker>();
        await worker.StopAsync(CancellationToken.None);
        await _provider.DisposeAsync();
    }
}
