using Durable.CrashHost;
using Durable.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

// Usage: Durable.CrashHost --store <path> --ledger <path> [--start N] [--kill-after-starts K]
//        [--connection-string <PostgreSQL connection string> [--lease-duration 00:00:02]]
// stdout carries only the lines a test reads (STARTING, READY, PROGRESS); logs go to stderr.
var builder = Host.CreateApplicationBuilder(args);
var options = builder.AddCrashHostOptions();
builder.Services.Configure<ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);

builder.Services.AddDurable(o =>
    {
        o.StorePath = options.Store;
        if (options.ConnectionString is not null)
        {
            o.Store = DurableStoreKind.Postgres;
            o.ConnectionString = options.ConnectionString;
            o.LeaseDuration = options.LeaseDuration;
        }
    })
    .AddWorkflow<CrashWorkflow>()
    .AddActivities<LedgerActivities>();
builder.Services.AddSingleton<Ledger>();
builder.Services.AddHostedService<CrashDriver>();

await builder.Build().RunAsync();
