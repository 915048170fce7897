using Durable.Hosting;
using FoodOrdering.Host.Api;
using FoodOrdering.Host.Food;
using FoodOrdering.Host.Infrastructure;
using FoodOrdering.Host.Security;
using FoodOrdering.Host.Telemetry;

var builder = WebApplication.CreateBuilder(args);

builder.AddTelemetry();                    // OpenTelemetry (OTLP when OTEL_* name an endpoint), metrics summary; first, so it starts first and stops last
builder.AddApi();                          // ProblemDetails, JSON, OpenAPI, health checks
builder.AddSecurity();                     // credentials ("Security", data/secrets.json), body size, rate and stream limits
builder.AddFoodOrdering(builder.AddDurable()); // the engine ("Durable"), the food workflows, Kafka ("Kafka"), kitchens and payments ("FoodOrdering")

var app = builder.Build();

app.UseSecurity();                         // security headers, 413 for oversized bodies, the rate limiter
app.UseHttpSpans();                        // server spans named by route, with their status code
app.UseApi();
app.MapOpenApi();                          // /openapi/v1.json
app.MapHealthChecks("/health");
app.MapInfoApi();                          // /api/info
app.MapAuthApi();                          // /api/auth/local: the operator token, for a browser on this machine only
app.MapMetricsApi();                       // /api/metrics: this process's metrics summary
app.MapWorkflowsApi();                     // /api/workflows: the run inspector's API
app.MapFoodOrderingApi();                  // /api/orders, /api/drivers, /api/restaurants, /api/payments; /payments-provider and /pos
app.MapWebUi();                            // the React UI from web/dist, with its client-side routes

app.Run();

/// <summary>The entry point, visible to the integration tests' WebApplicationFactory.</summary>
public partial class Program;
