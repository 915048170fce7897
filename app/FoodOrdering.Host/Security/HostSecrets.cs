using System.Text.Json;
using System.Text.Json.Serialization;
using FoodOrdering.Domain.Restaurants;
using FoodOrdering.Domain.Security;
using FoodOrdering.Domain.Storage;
using FoodOrdering.Host.Food;
using Microsoft.Extensions.Options;

namespace FoodOrdering.Host.Security;

/// <summary>
/// The host's secrets: the operator token, one token per restaurant, and the keys that derive customers' and drivers'
/// tokens. Configured values win; whatever is missing is generated once, printed to the console that one time, and
/// read back on every later start, so restarts keep every token valid. They are kept in {DataDirectory}/secrets.json
/// (owner-only) or, when the domain's state is on PostgreSQL, in its <c>host_secrets</c> table: every host sharing the
/// database then issues and accepts the same tokens (a customer's order token, a driver's shift token, a restaurant's
/// callback work on any host). Nothing here is ever logged.
/// </summary>
public sealed class HostSecrets
{
    public const string FileName = "secrets.json";

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public HostSecrets(IOptions<SecurityOptions> security, IOptions<FoodOrderingOptions> food)
    {
        using var database = food.Value.Store == DomainStore.Postgres ? DomainDatabase.Postgres(food.Value.ConnectionString!) : null;
        Path = database is null ? System.IO.Path.GetFullPath(System.IO.Path.Combine(food.Value.DataDirectory, FileName)) : $"the host_secrets table of {database.Description}";
        var stored = database is null ? Load(Path) : Load(database);
        var file = new SecretsFile
        {
            OperatorToken = stored?.OperatorToken ?? NewToken(),
            OrderKey = stored?.OrderKey ?? NewToken(),
            DriverKey = stored?.DriverKey ?? NewToken(),
            RestaurantTokens = new Dictionary<string, string>(stored?.RestaurantTokens ?? [], StringComparer.Ordinal),
        };
        foreach (var restaurant in Catalog.All)
        {
            file.RestaurantTokens.TryAdd(restaurant.Id, NewToken());
        }
        var changed = stored is null || JsonSerializer.Serialize(stored, Json) != JsonSerializer.Serialize(file, Json);
        if (changed && database is null)
        {
            Save(Path, file);
        }
        else if (changed)
        {
            // Another host may have stored its own meanwhile: the first one in wins, and every host uses it.
            file = Save(database!, stored, file);
        }
        OperatorToken = string.IsNullOrEmpty(security.Value.OperatorToken) ? file.OperatorToken! : security.Value.OperatorToken;
        RestaurantTokens = Catalog.All.ToDictionary(r => r.Id, r => food.Value.RestaurantTokens.GetValueOrDefault(r.Id) ?? file.RestaurantTokens[r.Id], StringComparer.Ordinal);
        Tokens = new ActorTokens(System.Text.Encoding.UTF8.GetBytes(file.OrderKey!), System.Text.Encoding.UTF8.GetBytes(file.DriverKey!));
        if (stored is null && string.IsNullOrEmpty(security.Value.OperatorToken))
        {
            // Once, at the first start: the operator needs it, and it is in the file (owner-only) from now on.
            Console.WriteLine($"""
                FoodOrdering generated its secrets in {Path} (keep them private; delete them to rotate every token).
                  Operator token: {OperatorToken}
                  The web UI on this machine gets it by itself; elsewhere, paste it when the UI asks. Restaurant tokens are in the file.
                """);
        }
    }

    /// <summary>Where the generated secrets live.</summary>
    public string Path { get; }

    public string OperatorToken { get; }

    public IReadOnlyDictionary<string, string> RestaurantTokens { get; }

    public ActorTokens Tokens { get; }

    public bool IsOperator(string? token) => token is not null && ActorTokens.Matches(OperatorToken, token);

    public bool IsRestaurant(string restaurantId, string? token) =>
        token is not null && RestaurantTokens.TryGetValue(restaurantId, out var expected) && ActorTokens.Matches(expected, token);

    private static string NewToken() => ActorTokens.NewSecret();

    private static SecretsFile? Load(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }
        try
        {
            return JsonSerializer.Deserialize<SecretsFile>(File.ReadAllText(path), Json);
        }
        catch (JsonException ex)
        {
            throw new InvalidOperationException($"{path} is not a valid secrets file ({ex.Message}); fix it, or delete it to generate new tokens.", ex);
        }
    }

    private static SecretsFile? Load(DomainDatabase database)
    {
        database.Migrate("secrets", "CREATE TABLE IF NOT EXISTS host_secrets (id INTEGER PRIMARY KEY, body TEXT NOT NULL)");
        using var connection = database.Open();
        var body = database.Scalar(connection, "SELECT body FROM host_secrets WHERE id = 1", null) as string;
        return body is null ? null : JsonSerializer.Deserialize<SecretsFile>(body, Json);
    }

    private static SecretsFile Save(DomainDatabase database, SecretsFile? previous, SecretsFile file)
    {
        using (var connection = database.Open())
        {
            var body = JsonSerializer.Serialize(file, Json);
            if (previous is null)
            {
                database.Execute(connection, "INSERT INTO host_secrets (id, body) VALUES (1, @body) ON CONFLICT (id) DO NOTHING", ("@body", body));
            }
            else
            {
                database.Execute(connection, "UPDATE host_secrets SET body = @body WHERE id = 1 AND body = @previous",
                    ("@body", body), ("@previous", JsonSerializer.Serialize(previous, Json)));
            }
        }
        return Load(database)!;
    }

    private static void Save(string path, SecretsFile file)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        var temporary = path + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        using (var stream = new FileStream(temporary, options))
        {
            JsonSerializer.Serialize(stream, file, Json);
        }
        File.Move(temporary, path, overwrite: true);
    }

    private sealed class SecretsFile
    {
        public string? OperatorToken { get; set; }
        public string? OrderKey { get; set; }
        public string? DriverKey { get; set; }
        [JsonPropertyOrder(1)]
        public Dictionary<string, string> RestaurantTokens { get; set; } = [];
    }
}
