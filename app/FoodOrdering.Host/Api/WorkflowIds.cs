namespace FoodOrdering.Host.Api;

internal static class WorkflowIds
{
    public const int MaxLength = 128;

    /// <summary>Null when valid. Ids travel in URL paths, Kafka keys and SSE lines, so they stay URL-safe and short.</summary>
    public static string? Validate(string id)
    {
        if (id.Length is 0 or > MaxLength)
        {
            return $"id must be 1 to {MaxLength} characters long.";
        }
        return id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or ':')
            ? null
            : $"id may contain only ASCII letters, digits, '-', '_', '.' and ':'; got '{id}'.";
    }
}
