using System.Text.RegularExpressions;

namespace FoodOrdering.Domain.Drivers;

public static partial class DriverIds
{
    public const string Rule = "1-64 letters, digits, '-' or '_'";

    public static bool IsValid(string? id) => id is { Length: > 0 and <= 64 } && Pattern().IsMatch(id);

    [GeneratedRegex("^[A-Za-z0-9_-]+$")]
    private static partial Regex Pattern();
}
