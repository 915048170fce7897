using System.CommandLine;
using FoodOrdering.DriverSimulator;
using FoodOrdering.Telemetry;

// Spans of the phones' HTTP calls and Kafka records, exported over OTLP when the OTEL_* variables name an endpoint.
using var telemetry = TelemetryPipeline.Start(TelemetrySettings.From(Environment.GetEnvironmentVariable, "foodordering-simulator", SimulatorTelemetry.FrequentSpansRatio));

var app = new Option<Uri>("--app")
{
    Description = "The FoodOrdering host.",
    DefaultValueFactory = _ => new Uri("http://localhost:3000/"),
    CustomParser = result => Uri.TryCreate(result.Tokens[0].Value, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
        ? new Uri(uri.ToString().TrimEnd('/') + "/")
        : ReportError(result, $"--app must be an http(s) URL, not '{result.Tokens[0].Value}'."),
};
var kafka = new Option<string?>("--kafka") { Description = "Kafka bootstrap servers; asked from the host's /api/info when absent." };
var count = new Option<int>("--drivers", "-n") { Description = "How many drivers to simulate.", DefaultValueFactory = _ => 10 };
var regions = new Option<string[]>("--regions") { Description = "Regions to spread the drivers over (all when absent).", AllowMultipleArgumentsPerToken = true };
var speed = new Option<double>("--speed") { Description = "Driving speed in m/s.", DefaultValueFactory = _ => 10 };
var tick = new Option<TimeSpan>("--tick") { Description = "Time between two position reports.", DefaultValueFactory = _ => TimeSpan.FromSeconds(1) };
var pause = new Option<TimeSpan>("--pause") { Description = "Pause between two deliveries.", DefaultValueFactory = _ => TimeSpan.FromSeconds(2) };
var prefix = new Option<string>("--prefix") { Description = "Driver ids are <prefix>-<n>.", DefaultValueFactory = _ => "driver" };
var timeScale = new Option<double?>("--time-scale") { Description = "How many times faster than real time to run (default: the host's, from /api/info)." };

var drivers = new Command("drivers", "Simulate drivers' phones: start shifts, follow assignments, report positions, pickups and deliveries.")
{
    app, kafka, count, regions, speed, tick, pause, prefix, timeScale,
};
drivers.SetAction((result, cancellationToken) => DriversMode.RunAsync(new DriversSettings(
    result.GetValue(app)!, result.GetValue(kafka), result.GetValue(count), result.GetValue(regions) ?? [],
    result.GetValue(speed), result.GetValue(tick), result.GetValue(pause), result.GetValue(prefix)!, result.GetValue(timeScale)), cancellationToken));

var rate = new Option<double>("--rate") { Description = "Orders per minute.", DefaultValueFactory = _ => 30 };
var orderCount = new Option<int?>("--count") { Description = "Stop after this many orders (and wait for their outcomes); unlimited when absent." };
var delay = new Option<long>("--delay") { Description = "The orders' deliveryDelay in milliseconds.", DefaultValueFactory = _ => 0 };
var seed = new Option<int>("--seed") { Description = "Seed of the baskets' randomness.", DefaultValueFactory = _ => 1 };
var dailyCurve = new Option<bool>("--daily-curve") { Description = "Vary the rate over the (simulated) day: quiet nights, lunch and dinner peaks; --rate is the day's average." };
var customers = new Command("customers", "Place orders with random baskets across the restaurants and report their outcomes.")
{
    app, rate, orderCount, delay, seed, dailyCurve, timeScale,
};
customers.SetAction((result, cancellationToken) => CustomersMode.RunAsync(new CustomersSettings(
    result.GetValue(app)!, result.GetValue(rate), result.GetValue(orderCount), result.GetValue(delay), result.GetValue(seed),
    result.GetValue(dailyCurve), result.GetValue(timeScale)), cancellationToken));

var root = new RootCommand("FoodOrdering driver mobile-app simulator and customer load generator.") { drivers, customers };
return await root.Parse(args).InvokeAsync();

static Uri ReportError(System.CommandLine.Parsing.ArgumentResult result, string message)
{
    result.AddError(message);
    return null!;
}
