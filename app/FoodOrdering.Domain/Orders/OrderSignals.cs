namespace FoodOrdering.Domain.Orders;

/// <summary>Signal names of the order workflow.</summary>
public static class OrderSignals
{
    public const string Prepared = "prepared";
    public const string Cancel = "cancel";
    public const string Delivery = "delivery";
}
