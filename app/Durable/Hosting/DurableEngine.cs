using Durable.Runtime;
using Durable.Storage;
using Microsoft.Extensions.Options;

namespace Durable.Hosting;

/// <summary>The pieces the client and the worker share: the store (opened once), the registry, the clock.</summary>
public sealed class DurableEngine
{
    private readonly Lazy<Task> _initialized;

    internal DurableEngine(IWorkflowStore store, DurableRegistry registry, TimeProvider time, IOptions<DurableOptions> options)
    {
        Store = store;
        Registry = registry;
        Time = time;
        Options = options.Value;
        _initialized = new Lazy<Task>(() => store.InitializeAsync(CancellationToken.None));
    }

    public IWorkflowStore Store { get; }
    public TimeProvider Time { get; }
    public DurableOptions Options { get; }
    internal DurableRegistry Registry { get; }

    /// <summary>Opens the store (creating or migrating its schema) on first use.</summary>
    public Task EnsureInitializedAsync() => _initialized.Value;
}
