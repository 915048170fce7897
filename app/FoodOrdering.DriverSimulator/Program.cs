using FoodOrdering.DriverSimulator;
using FoodOrdering.Telemetry;

// Spans of the phones' HTTP calls and Kafka records, exported over OTLP when the OTEL_* variables name an endpoint.
using var telemetry = TelemetryPipeline.Start(TelemetrySettings.From(Environment.GetEnvironmentVariable, "foodordering-simulator", SimulatorTelemetry.FrequentSpansRatio));

return await SimulatorCommands.Create().Parse(args).InvokeAsync(SimulatorCommands.Invocation());
