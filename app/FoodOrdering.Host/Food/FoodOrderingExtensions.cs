using Durable.Hosting;
using FoodOrdering.Domain.Delivery;
using FoodOrdering.Domain.Drivers;
using FoodOrdering.Domain.Orders;
using FoodOrdering.Domain.Payments;
using FoodOrdering.Domain.Restaurants;
using FoodOrdering.Domain.Storage;
using FoodOrdering.Kafka;
using Microsoft.Extensions.Options;

namespace FoodOrdering.Host.Food;

public static class FoodOrderingExtensions
{
    /// <summary>The food-ordering system: its workflows and activities, Kafka, the payment stub, the kitchens, the live change hub.</summary>
    public static IHostApplicationBuilder AddFoodOrdering(this IHostApplicationBuilder builder, DurableBuilder durable)
    {
        builder.Services.AddOptions<FoodOrderingOptions>().BindConfiguration(FoodOrderingOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        if (builder.Configuration.GetValue<double?>($"{FoodOrderingOptions.SectionName}:{nameof(FoodOrderingOptions.TimeScale)}") is { } scale && scale != 1)
        {
            // One clock for the engine, the kitchens and the payment ledger, so timers, prep times and ETAs agree.
            var epoch = builder.Configuration.GetValue<DateTimeOffset?>($"{FoodOrderingOptions.SectionName}:{nameof(FoodOrderingOptions.TimeScaleEpoch)}");
            builder.Services.AddSingleton<TimeProvider>(new Durable.ScaledTimeProvider(scale, epoch: epoch));
        }
        builder.Services.PostConfigure<FoodOrderingOptions>(o =>
        {
            // The domain's state goes where the engine's does, unless configured apart.
            o.Store ??= Enum.TryParse<DomainStore>(builder.Configuration[EngineStoreKey], ignoreCase: true, out var store) ? store : DomainStore.Sqlite;
            o.ConnectionString ??= builder.Configuration[EngineConnectionStringKey];
        });
        durable
            .AddWorkflow<OrderWorkflow>()
            .AddWorkflow<DeliveryWorkflow>()
            .AddWorkflow<DriverTwinWorkflow>()
            .AddWorkflow<RegionMatcherWorkflow>();
        builder.Services.AddHttpClient<PaymentActivities>((sp, http) => http.BaseAddress = Options(sp).Payments);
        builder.Services.AddHttpClient<RestaurantActivities>((sp, http) => http.BaseAddress = Options(sp).PointOfSale);
        durable.AddActivities<PaymentActivities>().AddActivities<RestaurantActivities>();
        builder.Services.AddHttpClient(KitchenService.HttpClientName, http => http.Timeout = KitchenService.CallbackTimeout);
        builder.Services.AddSingleton(sp => new KitchenCallback(Options(sp).PublicBaseUrl));
        builder.Services.AddSingleton<RestaurantTokens>();
        builder.Services.AddSingleton(sp => new PaymentLedger(Database(sp, "payments.db"),
            new PaymentRules { Limit = Options(sp).PaymentLimit, DeclineMarker = Options(sp).DeclineMarker }, sp.GetRequiredService<TimeProvider>()));
        builder.Services.AddSingleton(sp => new Kitchen(Database(sp, "kitchen.db"), sp.GetRequiredService<TimeProvider>(), Options(sp).KitchenPrepTimeFactor));
        builder.Services.AddHostedService<KitchenService>();
        builder.Services.AddHostedService<MatcherBootstrap>();
        builder.Services.AddSingleton<ChangeHub>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ChangeHub>());
        builder.AddKafka();
        return builder;
    }

    public static IEndpointRouteBuilder MapFoodOrderingApi(this IEndpointRouteBuilder app)
    {
        // Made at start, so its tables exist before the first charge. Made by the first request instead, it would create
        // them while every other request for it waits on the container's lock, holding a thread each: with several hosts
        // on one PostgreSQL (the creation takes a lock they share), that starved the thread pools until hosts stopped answering.
        _ = app.ServiceProvider.GetRequiredService<PaymentLedger>();
        app.MapOrdersApi();
        app.MapDriversApi();
        app.MapRestaurantsApi();
        if (app.ServiceProvider.GetRequiredService<IOptions<FoodOrderingOptions>>().Value.HostExternalSystems)
        {
            app.MapExternalSystems();
        }
        return app;
    }

    /// <summary>The engine's store selection, which the domain's state follows by default.</summary>
    public const string EngineStoreKey = "Durable:Store";

    public const string EngineConnectionStringKey = "Durable:ConnectionString";

    private static DomainDatabase Database(IServiceProvider services, string sqliteFile)
    {
        var options = Options(services);
        return DomainDatabase.Open(options.Store ?? DomainStore.Sqlite, Path.Combine(options.DataDirectory, sqliteFile), options.ConnectionString);
    }

    private static FoodOrderingOptions Options(IServiceProvider services) => services.GetRequiredService<IOptions<FoodOrderingOptions>>().Value;
}
