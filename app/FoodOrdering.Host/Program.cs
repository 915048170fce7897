using Durable.Hosting;
using FoodOrdering.Host.Api;
using FoodOrdering.Host.Demo;
using FoodOrdering.Host.Infrastructure;

var builder = WebApplication.CreateBuilder(args);

builder.AddApi();            // ProblemDetails, JSON, OpenAPI, health checks
builder.AddDurable()         // the engine: SQLite store, client, worker ("Durable" section)
    .AddDemo();              // the demo order workflow and its auto kitchen ("Demo" section)

var app = builder.Build();

app.UseApi();
app.MapOpenApi();            // /openapi/v1.json
app.MapHealthChecks("/health");
app.MapInfoApi();            // /api/info
app.MapWorkflowsApi();       // /api/workflows
app.MapDemoApi();            // /api/demo

app.Run();
