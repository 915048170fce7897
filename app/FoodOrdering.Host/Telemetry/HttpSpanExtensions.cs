using System.Diagnostics;
using System.Globalization;
using Microsoft.AspNetCore.Http.Features;

namespace FoodOrdering.Host.Telemetry;

public static class HttpSpanExtensions
{
    /// <summary>
    /// Completes ASP.NET Core's server span as the HTTP semantic conventions ask: named "{method} {route}",
    /// with http.route and http.response.status_code, and an error status for 5xx (.NET 10 sets the request's
    /// method, scheme and path itself, but not these).
    /// </summary>
    public static WebApplication UseHttpSpans(this WebApplication app)
    {
        app.Use(async (context, next) =>
        {
            try
            {
                await next(context);
            }
            finally
            {
                if (context.Features.Get<IHttpActivityFeature>()?.Activity is { IsAllDataRequested: true } span)
                {
                    var route = (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText;
                    if (route is not null)
                    {
                        // A group's "/" route reads "/api/orders/"; the path it serves is "/api/orders".
                        route = "/" + route.Trim('/');
                        span.SetTag("http.route", route);
                    }
                    span.DisplayName = route is null ? context.Request.Method : $"{context.Request.Method} {route}";
                    span.SetTag("http.response.status_code", context.Response.StatusCode);
                    if (context.Response.StatusCode >= 500)
                    {
                        span.SetStatus(ActivityStatusCode.Error);
                        span.SetTag("error.type", context.Response.StatusCode.ToString(CultureInfo.InvariantCulture));
                    }
                }
            }
        });
        return app;
    }
}
