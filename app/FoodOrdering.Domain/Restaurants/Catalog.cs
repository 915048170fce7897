using FoodOrdering.Domain.Geo;

namespace FoodOrdering.Domain.Restaurants;

public sealed record Product(string ProductId, string Name, string Category, decimal Price, int PrepSeconds, string Icon);

public sealed record Restaurant(string Id, string Name, string RegionId, GeoPoint Location, int Cooks, IReadOnlyList<Product> Menu)
{
    public Product? FindProduct(string productId) => Menu.FirstOrDefault(p => string.Equals(p.ProductId, productId, StringComparison.Ordinal));
}

/// <summary>
/// The restaurants and their menus. The reference demo's ids (restaurants bites_n_bytes, snack_in_the_box,
/// mcstate; products 1000–1003) are all here so its events work unchanged.
/// </summary>
public static class Catalog
{
    private static readonly Product Pizza = new("1000", "Pepperoni pizza", "Pizza", 10.90m, 5, "🍕");
    private static readonly Product Sushi = new("1001", "Sushi box", "Sushi", 17.60m, 5, "🍣");
    private static readonly Product Burger = new("1002", "Cheese burger", "Burger", 8.50m, 5, "🍔");
    private static readonly Product Wings = new("1003", "Chicken wings", "Snack", 3.40m, 5, "🍗");

    private static readonly IReadOnlyList<Product> DemoMenu =
    [
        Pizza, Sushi, Burger, Wings,
        new("1004", "Margherita pizza", "Pizza", 9.50m, 6, "🍕"),
        new("1005", "Veggie burger", "Burger", 9.20m, 5, "🥗"),
        new("1006", "Fries", "Snack", 2.90m, 2, "🍟"),
        new("1007", "Lemonade", "Other", 2.50m, 1, "🍋"),
    ];

    public static readonly IReadOnlyList<Restaurant> All =
    [
        new("bites_n_bytes", "Bites 'n Bytes", Regions.SanJose.Id, Regions.SanJose.PointAt(0.20, 0.10), 3, DemoMenu),
        new("snack_in_the_box", "Snack in the Box", Regions.SanJose.Id, Regions.SanJose.PointAt(0.45, 0.55), 2, DemoMenu),
        new("mcstate", "McState", Regions.SanJose.Id, Regions.SanJose.PointAt(0.30, 0.80), 4, DemoMenu),
        new("curry_36", "Curry 36", Regions.Berlin.Id, Regions.Berlin.PointAt(0.25, 0.35), 3,
        [
            new("2000", "Currywurst", "Snack", 4.20m, 3, "🌭"),
            new("2001", "Currywurst with fries", "Snack", 6.40m, 4, "🍟"),
            Burger, Wings,
            new("2002", "Club-Mate", "Other", 2.80m, 1, "🥤"),
        ]),
        new("doner_haus", "Döner Haus", Regions.Berlin.Id, Regions.Berlin.PointAt(0.50, 0.70), 2,
        [
            new("2100", "Döner kebab", "Other", 6.50m, 4, "🥙"),
            new("2101", "Falafel wrap", "Other", 5.90m, 4, "🌯"),
            Pizza,
        ]),
        new("broodje_bar", "Broodje Bar", Regions.Amsterdam.Id, Regions.Amsterdam.PointAt(0.20, 0.20), 2,
        [
            new("3000", "Broodje kroket", "Snack", 4.80m, 3, "🥪"),
            new("3001", "Bitterballen", "Snack", 5.50m, 4, "🧆"),
            Sushi, Wings,
        ]),
        new("pannenkoek", "De Pannenkoek", Regions.Amsterdam.Id, Regions.Amsterdam.PointAt(0.55, 0.60), 3,
        [
            new("3100", "Dutch pancake", "Other", 8.90m, 6, "🥞"),
            new("3101", "Poffertjes", "Other", 6.20m, 5, "🧇"),
            Pizza, Burger,
        ]),
    ];

    public static Restaurant? Find(string id) => All.FirstOrDefault(r => string.Equals(r.Id, id, StringComparison.Ordinal));
}
