using System.Text.Json;

namespace FoodOrdering.DriverSimulator;

/// <summary>
/// The phones' shift tokens, kept in a file as a phone keeps its own: a restarted simulator carries on with the shifts its
/// drivers are on. Whoever starts a shift elsewhere (a test, a real phone handing over) can put its token in the file.
/// </summary>
internal sealed class DriverTokenStore(string path)
{
    private readonly Lock _gate = new();
    private Dictionary<string, string> _tokens = Read(path);

    public string Path => path;

    /// <summary>The token of <paramref name="driverId"/>'s shift, reading the file again in case someone added it since.</summary>
    public string? Get(string driverId, bool reload = false)
    {
        lock (_gate)
        {
            if (reload || !_tokens.ContainsKey(driverId))
            {
                foreach (var (id, token) in Read(path))
                {
                    _tokens[id] = token;
                }
            }
            return _tokens.GetValueOrDefault(driverId);
        }
    }

    public void Set(string driverId, string token)
    {
        lock (_gate)
        {
            _tokens = new Dictionary<string, string>(Read(path).Concat(_tokens).GroupBy(p => p.Key).Select(g => g.Last()), StringComparer.Ordinal)
            {
                [driverId] = token,
            };
            Write(path, _tokens);
        }
    }

    public static void Write(string path, IReadOnlyDictionary<string, string> tokens)
    {
        if (System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path)) is { } directory)
        {
            Directory.CreateDirectory(directory);
        }
        var temporary = path + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        using (var stream = new FileStream(temporary, options))
        {
            JsonSerializer.Serialize(stream, tokens);
        }
        File.Move(temporary, path, overwrite: true);
    }

    private static Dictionary<string, string> Read(string path)
    {
        try
        {
            return File.Exists(path)
                ? new Dictionary<string, string>(JsonSerializer.Deserialize<Dictionary<string, string>>(File.ReadAllText(path)) ?? [], StringComparer.Ordinal)
                : new Dictionary<string, string>(StringComparer.Ordinal);
        }
        catch (Exception ex) when (ex is JsonException or IOException)
        {
            DriversMode.Log($"Cannot read the driver tokens in {path} ({ex.Message}); starting without them.");
            return new Dictionary<string, string>(StringComparer.Ordinal);
        }
    }
}
