using Microsoft.AspNetCore.Http.HttpResults;

namespace FoodOrdering.Host.Security;

/// <summary>Reading a bearer token and refusing a request that lacks the right one.</summary>
public static class Credentials
{
    private const string Scheme = "Bearer ";

    /// <summary>The bearer token of the request, or null.</summary>
    public static string? BearerToken(this HttpRequest request)
    {
        string? header = request.Headers.Authorization;
        return header is not null && header.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase) ? header[Scheme.Length..].Trim() : null;
    }

    /// <summary>True when the request carries the operator's token, who may act for everyone.</summary>
    public static bool IsOperator(this HttpRequest request, HostSecrets secrets) => secrets.IsOperator(request.BearerToken());

    /// <summary>401 with a ProblemDetails naming the credential that is needed (never echoing what was sent).</summary>
    public static ProblemHttpResult Unauthorized(HttpContext context, string needed)
    {
        SecurityMetrics.Reject(SecurityMetrics.Unauthorized);
        context.Response.Headers.WWWAuthenticate = "Bearer";
        return TypedResults.Problem($"This needs {needed} as a bearer token (Authorization: Bearer <token>); it is missing or wrong.",
            title: "Unauthorized", statusCode: StatusCodes.Status401Unauthorized);
    }

    /// <summary>Endpoints of the operator only (the run inspector's write actions).</summary>
    public static TBuilder RequireOperator<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(async (context, next) =>
        {
            var http = context.HttpContext;
            return http.Request.IsOperator(http.RequestServices.GetRequiredService<HostSecrets>())
                ? await next(context)
                : Unauthorized(http, "the operator token");
        });
}
