using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace FoodOrdering.Kafka;

public static class KafkaServiceCollectionExtensions
{
    /// <summary>Kafka (the configured cluster, or the embedded broker), the producer, and the two consumers.</summary>
    public static IHostApplicationBuilder AddKafka(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<KafkaOptions>().BindConfiguration(KafkaOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<KafkaCluster>();
        builder.Services.AddSingleton<KafkaProducer>();
        builder.Services.AddSingleton<OrderIntakeConsumer>();
        builder.Services.AddSingleton<DriverUpdatesConsumer>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<OrderIntakeConsumer>());
        builder.Services.AddHostedService(sp => sp.GetRequiredService<DriverUpdatesConsumer>());
        return builder;
    }
}
