using Durable.Client;
using Durable.Runtime;
using Durable.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Durable.Hosting;

/// <summary>Registers workflows and activities with the engine.</summary>
public sealed class DurableBuilder
{
    internal DurableBuilder(IServiceCollection services, DurableRegistry registry)
    {
        Services = services;
        Registry = registry;
    }

    public IServiceCollection Services { get; }
    internal DurableRegistry Registry { get; }

    public DurableBuilder AddWorkflow<TWorkflow>() where TWorkflow : class, new()
    {
        Registry.AddWorkflow(typeof(TWorkflow));
        return this;
    }

    /// <summary>Registers every public async method of <typeparamref name="TActivities"/> as an activity; the class is resolved from DI per attempt.</summary>
    public DurableBuilder AddActivities<TActivities>() where TActivities : class
    {
        Registry.AddActivities(typeof(TActivities));
        Services.TryAddTransient<TActivities>();
        return this;
    }
}

public static class DurableServiceCollectionExtensions
{
    /// <summary>
    /// Adds the engine (store, client, worker) with options from the "Durable" configuration section,
    /// validated on start.
    /// </summary>
    public static DurableBuilder AddDurable(this IHostApplicationBuilder builder, Action<DurableOptions>? configure = null)
    {
        var durable = builder.Services.AddDurable(configure);
        builder.Services.AddOptions<DurableOptions>().BindConfiguration(DurableOptions.SectionName);
        return durable;
    }

    public static DurableBuilder AddDurable(this IServiceCollection services, Action<DurableOptions>? configure = null)
    {
        var optionsBuilder = services.AddOptions<DurableOptions>().ValidateDataAnnotations().ValidateOnStart();
        if (configure is not null)
        {
            optionsBuilder.Configure(configure);
        }
        // One registry per container: a second AddDurable (another module's) adds to the same engine.
        var registry = services.FirstOrDefault(d => d.ServiceType == typeof(DurableRegistry))?.ImplementationInstance as DurableRegistry;
        if (registry is not null)
        {
            return new DurableBuilder(services, registry);
        }
        registry = new DurableRegistry();
        services.AddSingleton(registry);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IWorkflowStore>(sp =>
        {
            var options = sp.GetRequiredService<IOptions<DurableOptions>>().Value;
            var time = sp.GetRequiredService<TimeProvider>();
            return options.Store switch
            {
                DurableStoreKind.Postgres => new PostgresWorkflowStore(options.ConnectionString!, options.LeaseDuration, time),
                _ => new SqliteWorkflowStore(options.StorePath, time),
            };
        });
        services.TryAddSingleton(sp => new DurableEngine(sp.GetRequiredService<IWorkflowStore>(), registry, sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<IOptions<DurableOptions>>()));
        services.TryAddSingleton<DurableClient>();
        services.TryAddSingleton<DurableWorker>();
        services.AddHostedService(sp => sp.GetRequiredService<DurableWorker>());
        return new DurableBuilder(services, registry);
    }
}
