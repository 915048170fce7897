using System.Text.Json.Serialization;
using FoodOrdering.Host.Api;

namespace FoodOrdering.Host.Infrastructure;

public static class ApiExtensions
{
    /// <summary>ProblemDetails for every error, JSON conventions, the OpenAPI document and health checks.</summary>
    public static IHostApplicationBuilder AddApi(this IHostApplicationBuilder builder)
    {
        var development = builder.Environment.IsDevelopment();
        builder.Services.AddProblemDetails(o => o.CustomizeProblemDetails = context =>
        {
            if (!development)
            {
                // Exception types, messages and stack traces help an attacker more than a client: outside Development a 500 says only that it happened.
                context.ProblemDetails.Extensions.Remove("exception");
                if (context.ProblemDetails.Status >= 500 && context.Exception is not null)
                {
                    context.ProblemDetails.Detail = null;
                }
            }
        });
        builder.Services.AddExceptionHandler<BadRequestExceptionHandler>();
        // Binding failures (malformed JSON, a query value of the wrong type) then reach the handler above with their
        // message, in every environment, instead of an empty 400 outside Development.
        builder.Services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        builder.Services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.Converters.Add(new JsonStringEnumConverter());
            o.SerializerOptions.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
        });
        builder.Services.AddOpenApi();
        builder.Services.AddHealthChecks().AddCheck<DurableStoreHealthCheck>("durable-store");
        return builder;
    }

    public static WebApplication UseApi(this WebApplication app)
    {
        app.UseExceptionHandler();
        // Gives bodiless errors (unknown route, wrong method, wrong content type) a ProblemDetails body too.
        app.UseStatusCodePages();
        return app;
    }
}
