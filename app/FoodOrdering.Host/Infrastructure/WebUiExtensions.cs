using Microsoft.Extensions.FileProviders;
using Microsoft.Net.Http.Headers;

namespace FoodOrdering.Host.Infrastructure;

/// <summary>Serves the React web UI (web/dist, built by `npm run build`) and its client-side routes.</summary>
public static partial class WebUiExtensions
{
    /// <summary>Configuration key of the built UI's folder; found by walking up to the repository's web/dist when unset.</summary>
    public const string PathKey = "WebUi:Path";

    private const string IndexFile = "index.html";

    // Client routes fall back to index.html; the server's own surfaces keep their 404s (ProblemDetails) instead.
    private const string ClientRoutes = "{*path:nonfile:regex(^(?!(api|openapi|health|payments-provider|pos)(/|$)).*$)}";

    public static WebApplication MapWebUi(this WebApplication app)
    {
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(WebUiExtensions).FullName!);
        var root = FindRoot(app.Configuration[PathKey], app.Environment.ContentRootPath, AppContext.BaseDirectory);
        if (root is null)
        {
            LogNoUi(logger, app.Configuration[PathKey] ?? "web/dist");
            return app;
        }
        LogServing(logger, root);
        var files = new PhysicalFileProvider(root);
        var options = new StaticFileOptions
        {
            FileProvider = files,
            OnPrepareResponse = context =>
            {
                // Vite puts a content hash in every asset's name, so assets never change; index.html must be revalidated.
                context.Context.Response.Headers[HeaderNames.CacheControl] =
                    context.File.Name == IndexFile ? "no-cache" : "public, max-age=31536000, immutable";
            },
        };
        app.UseStaticFiles(options);
        app.MapFallbackToFile("/", IndexFile, options);
        app.MapFallbackToFile(ClientRoutes, IndexFile, options);
        return app;
    }

    /// <summary>The configured folder, or the first web/dist with an index.html above the content root or the binaries.</summary>
    internal static string? FindRoot(string? configured, params string[] startPoints)
    {
        if (!string.IsNullOrWhiteSpace(configured))
        {
            var full = Path.GetFullPath(configured);
            return File.Exists(Path.Combine(full, IndexFile)) ? full : null;
        }
        foreach (var start in startPoints)
        {
            for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
            {
                var candidate = Path.Combine(directory.FullName, "web", "dist");
                if (File.Exists(Path.Combine(candidate, IndexFile)))
                {
                    return candidate;
                }
            }
        }
        return null;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Serving the web UI from {Root}")]
    private static partial void LogServing(ILogger logger, string root);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The web UI is not built ({Path} has no index.html): serving the API only. Build it with `npm ci && npm run build` in web/ (infra/run.sh does).")]
    private static partial void LogNoUi(ILogger logger, string path);
}
