using System.ComponentModel.DataAnnotations;

namespace FoodOrdering.Host.Demo;

/// <summary>Configuration section "Demo".</summary>
public sealed class DemoOptions
{
    public const string SectionName = "Demo";

    /// <summary>Mark demo orders prepared by themselves, so they complete without anyone sending the signal.</summary>
    public bool AutoKitchen { get; set; } = true;

    /// <summary>How long the auto kitchen "cooks" an order before it signals "prepared".</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan KitchenDelay { get; set; } = TimeSpan.FromSeconds(3);
}
