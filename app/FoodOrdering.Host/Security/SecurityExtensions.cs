using System.Net;
using System.Threading.RateLimiting;
using FoodOrdering.Domain.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;

namespace FoodOrdering.Host.Security;

public sealed record LocalCredentials(string OperatorToken);

public static class SecurityExtensions
{
    /// <summary>
    /// A strict policy the built Vite UI satisfies: its scripts and styles are files of this origin (no inline code), it talks
    /// only to this origin (fetch and EventSource), and it is never framed.
    /// </summary>
    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; " +
        "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

    /// <summary>Credentials (secrets file, actor tokens), the request body limit, the rate limiter and the event-stream limit.</summary>
    public static IHostApplicationBuilder AddSecurity(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<SecurityOptions>().BindConfiguration(SecurityOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<HostSecrets>();
        builder.Services.AddSingleton(sp => sp.GetRequiredService<HostSecrets>().Tokens);
        builder.Services.AddSingleton<SseConnections>();
        builder.Services.AddHttpContextAccessor();
        builder.Services.AddScoped<Authority>();
        builder.Services.AddOptions<KestrelServerOptions>().Configure<IOptions<SecurityOptions>>((kestrel, security) =>
            kestrel.Limits.MaxRequestBodySize = security.Value.MaxRequestBodyBytes);
        builder.Services.AddRateLimiter(limiter =>
        {
            limiter.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
            {
                // The API is what clients hammer; the UI's files are cached, and the simulated external systems are called by the host itself.
                if (!context.Request.Path.StartsWithSegments("/api") || context.Request.IsOperator(context.RequestServices.GetRequiredService<HostSecrets>()))
                {
                    return RateLimitPartition.GetNoLimiter("");
                }
                var options = context.RequestServices.GetRequiredService<IOptions<SecurityOptions>>().Value;
                return RateLimitPartition.GetTokenBucketLimiter(context.Connection.RemoteIpAddress?.ToString() ?? "unknown", _ => new TokenBucketRateLimiterOptions
                {
                    TokenLimit = options.RequestBurst,
                    TokensPerPeriod = options.RequestsPerSecond,
                    ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                    QueueLimit = 0,
                });
            });
            limiter.OnRejected = async (context, cancellationToken) =>
            {
                SecurityMetrics.Reject(SecurityMetrics.RateLimited);
                var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)) : 1;
                var http = context.HttpContext;
                http.Response.Headers.RetryAfter = retryAfter.ToString(System.Globalization.CultureInfo.InvariantCulture);
                await WriteProblemAsync(http, StatusCodes.Status429TooManyRequests, "Too many requests",
                    $"This client sent more requests than the API accepts per second; try again in {retryAfter} s.");
            };
        });
        return builder;
    }

    /// <summary>Security headers on every response, a 413 before reading an announced oversized body, then the rate limiter.</summary>
    public static WebApplication UseSecurity(this WebApplication app)
    {
        // Made (and, the first time, printed) at start rather than at the first request that needs a token.
        _ = app.Services.GetRequiredService<HostSecrets>();
        var maxBody = app.Services.GetRequiredService<IOptions<SecurityOptions>>().Value.MaxRequestBodyBytes;
        app.Use(async (context, next) =>
        {
            var headers = context.Response.Headers;
            headers.XContentTypeOptions = "nosniff";
            headers.XFrameOptions = "DENY";
            headers["Referrer-Policy"] = "no-referrer";
            headers.ContentSecurityPolicy = ContentSecurityPolicy;
            if (context.Request.ContentLength > maxBody)
            {
                SecurityMetrics.Reject(SecurityMetrics.BodyTooLarge);
                await WriteProblemAsync(context, StatusCodes.Status413PayloadTooLarge, "The request body is too large",
                    $"The body has {context.Request.ContentLength} bytes; at most {maxBody} are accepted.");
                return;
            }
            await next(context);
        });
        app.UseRateLimiter();
        return app;
    }

    /// <summary>GET /api/auth/local: the operator token, for a browser on this very machine only.</summary>
    public static IEndpointRouteBuilder MapAuthApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/auth/local", Local).WithTags("Host").ExcludeFromDescription();
        return app;
    }

    internal static Results<Ok<LocalCredentials>, ProblemHttpResult> Local(HttpContext context, HostSecrets secrets, IOptions<SecurityOptions> options)
    {
        context.Response.Headers.CacheControl = "no-store";
        return options.Value.LocalOperatorAccess && IsFromThisMachine(context)
            ? TypedResults.Ok(new LocalCredentials(secrets.OperatorToken))
            : TypedResults.Problem("The operator token is handed out only to a browser on the host's own machine; paste it instead (see the README's Security section).",
                title: "Not available here", statusCode: StatusCodes.Status403Forbidden);
    }

    /// <summary>
    /// A loopback connection naming this machine in its Host header (a DNS-rebinding page names its own domain) and without
    /// proxy headers (a proxy on this machine would make every remote client look local).
    /// </summary>
    internal static bool IsFromThisMachine(HttpContext context)
    {
        var request = context.Request;
        return context.Connection.RemoteIpAddress is { } address && IPAddress.IsLoopback(address)
            && request.Host.Host is "localhost" or "127.0.0.1" or "[::1]" or "::1"
            && !request.Headers.ContainsKey("X-Forwarded-For") && !request.Headers.ContainsKey("Forwarded") && !request.Headers.ContainsKey("X-Real-IP");
    }

    /// <summary>Answers with <paramref name="status"/> and a ProblemDetails body, from middleware that refuses a request.</summary>
    private static Task WriteProblemAsync(HttpContext context, int status, string title, string detail)
    {
        context.Response.StatusCode = status;
        return context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = { Status = status, Title = title, Detail = detail },
        }).AsTask();
    }
}
