using Durable.Hosting;

namespace FoodOrdering.Host.Demo;

public static class DemoExtensions
{
    /// <summary>Registers the demo order workflow, its activities and the auto kitchen ("Demo" configuration section).</summary>
    public static DurableBuilder AddDemo(this DurableBuilder durable)
    {
        durable.Services.AddOptions<DemoOptions>()
            .BindConfiguration(DemoOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        durable.Services.AddHostedService<AutoKitchen>();
        return durable
            .AddWorkflow<DemoOrderWorkflow>()
            .AddActivities<DemoActivities>();
    }
}
