using System.Text.Json;
using Durable;
using FoodOrdering.Domain.Delivery;
using FoodOrdering.Domain.Drivers;
using FoodOrdering.Domain.Orders;

namespace FoodOrdering.Host.Api;

/// <summary>
/// The signals each of our workflow types waits for, and their argument's type. A signal the workflow cannot read would
/// park it as stuck (a matcher, say, and with it a whole region's deliveries), so the run inspector's API checks the
/// argument here and answers 400 instead.
/// </summary>
internal static class SignalContracts
{
    private sealed record Contract(Type Argument, bool Optional);

    private static readonly Dictionary<string, Dictionary<string, Contract>> ByWorkflowType = new(StringComparer.Ordinal)
    {
        [WorkflowNames.Of<OrderWorkflow>()] = new(StringComparer.Ordinal)
        {
            [OrderSignals.Prepared] = new(typeof(Prepared), Optional: true),
            [OrderSignals.Cancel] = new(typeof(CancelRequest), Optional: true),
            [OrderSignals.Delivery] = new(typeof(DeliveryProgress), Optional: false),
        },
        [WorkflowNames.Of<DeliveryWorkflow>()] = new(StringComparer.Ordinal)
        {
            [DeliverySignals.DriverAssigned] = new(typeof(DriverAssigned), Optional: false),
            [DeliverySignals.Driver] = new(typeof(DriverReport), Optional: false),
        },
        [WorkflowNames.Of<DriverTwinWorkflow>()] = new(StringComparer.Ordinal) { [DriverSignals.Event] = new(typeof(DriverEvent), Optional: false) },
        [WorkflowNames.Of<RegionMatcherWorkflow>()] = new(StringComparer.Ordinal) { [MatcherSignals.Event] = new(typeof(MatcherEvent), Optional: false) },
    };

    /// <summary>Why <paramref name="argumentJson"/> is no valid signal <paramref name="name"/> of <paramref name="workflowType"/>, or null when it is (or the type is not ours).</summary>
    public static string? Problem(string workflowType, string name, string? argumentJson)
    {
        if (!ByWorkflowType.TryGetValue(workflowType, out var signals))
        {
            return null;
        }
        if (!signals.TryGetValue(name, out var contract))
        {
            return $"{workflowType} takes the signals {string.Join(", ", signals.Keys)}; nothing would ever read '{Domain.Orders.OrderValidation.Echo(name)}'.";
        }
        try
        {
            var argument = argumentJson is null ? null : JsonSerializer.Deserialize(argumentJson, contract.Argument, DurableJson.Options);
            return argument is null && !contract.Optional ? $"Signal '{name}' of {workflowType} needs a {contract.Argument.Name} as its JSON body." : null;
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException or ArgumentException or InvalidOperationException)
        {
            return $"The body is no {contract.Argument.Name}, the argument of signal '{name}' of {workflowType}: {ex.Message}";
        }
    }
}
