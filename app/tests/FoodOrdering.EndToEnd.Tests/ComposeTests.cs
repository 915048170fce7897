using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using FoodOrdering.Host.Api;
using FoodOrdering.Kafka;
using TestSupport.Postgres;

namespace FoodOrdering.EndToEnd.Tests;

/// <summary>
/// docker-compose.yaml: valid for docker-compose, and every setting it passes to our programs tried here, on this
/// machine: the host and the simulator run with the compose environment and arguments, with local stand-ins for the
/// compose services (the embedded Kafka broker for "kafka", a throwaway PostgreSQL server for "postgres", an OTLP
/// receiver for "jaeger", free ports and a temporary folder for "host" and its volume).
/// </summary>
public sealed class ComposeTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Config_DockerCompose_ValidWithEveryServiceWaitingOnHealth()
    {
        var compose = await ComposeFile.LoadAsync();

        Assert.Equal(["host", "jaeger", "kafka", "kafka-init", "postgres", "simulator"],
            compose.Root.GetProperty("services").EnumerateObject().Select(s => s.Name).Order(StringComparer.Ordinal));
        foreach (var service in new[] { "kafka", "postgres", "jaeger", "host" })
        {
            Assert.True(compose.Service(service).TryGetProperty("healthcheck", out _), $"{service} has a health check");
        }
        Assert.Equal("service_healthy", compose.Service("kafka-init").GetProperty("depends_on").GetProperty("kafka").GetProperty("condition").GetString());
        var host = compose.Service("host").GetProperty("depends_on");
        Assert.Equal("service_completed_successfully", host.GetProperty("kafka-init").GetProperty("condition").GetString());
        Assert.Equal("service_healthy", host.GetProperty("postgres").GetProperty("condition").GetString());
        Assert.Equal("service_healthy", compose.Service("simulator").GetProperty("depends_on").GetProperty("host").GetProperty("condition").GetString());
        Assert.Equal(["3000:3000"], compose.Service("host").GetProperty("ports").EnumerateArray().Select(Port));
        Assert.Contains("16686:16686", compose.Service("jaeger").GetProperty("ports").EnumerateArray().Select(Port));
        Assert.Equal(["orders", "orders.dlq", "driver-updates", "driver-updates.dlq"], compose.Topics());
        Assert.True(File.Exists(Path.Combine(compose.Repository, "infra", "docker", "host.Dockerfile")));
        Assert.True(File.Exists(Path.Combine(compose.Repository, "infra", "docker", "simulator.Dockerfile")));
    }

    [Fact]
    public async Task Environment_HostAndSimulatorRunWithTheComposeSettings_ServeAndExportOneTraceAcrossBoth()
    {
        var compose = await ComposeFile.LoadAsync();
        await using var otlp = await OtlpReceiver.StartAsync();
        using var broker = EmbeddedKafkaBroker.Start();
        var postgres = await PostgresServer.SharedAsync();
        var database = new Npgsql.NpgsqlConnectionStringBuilder(await postgres.CreateDatabaseAsync());
        var partitions = int.Parse(compose.Environment("kafka-init")["PARTITIONS"], System.Globalization.CultureInfo.InvariantCulture);
        foreach (var topic in compose.Topics())
        {
            broker.CreateTopic(topic, partitions);
        }
        var directory = Path.Combine(Path.GetTempPath(), "foodordering-compose", Guid.NewGuid().ToString("N"));
        var port = FoodOrderingSystem.FreePort();
        var hostUrl = $"http://127.0.0.1:{port}";
        var local = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["http://0.0.0.0:3000"] = hostUrl,
            ["http://host:3000"] = hostUrl,
            ["kafka:9092"] = broker.BootstrapServers,
            ["http://jaeger:4318"] = otlp.Endpoint.ToString().TrimEnd('/'),
            ["/data"] = directory,
            [compose.Environment("host")["Durable__ConnectionString"]] = database.ConnectionString,
        };
        string Local(string value) => local.Aggregate(value, (v, r) => v.Replace(r.Key, r.Value, StringComparison.Ordinal));
        Dictionary<string, string> EnvironmentOf(string service)
        {
            var environment = compose.Environment(service).ToDictionary(e => e.Key, e => Local(e.Value), StringComparer.Ordinal);
            // Every address the compose file names has a local stand-in: nothing is left pointing at a compose service.
            Assert.All(environment, e => Assert.DoesNotMatch(@"//(kafka|jaeger|host|postgres)\b|\bkafka:9092|Host=postgres\b", e.Value));
            return environment;
        }

        var hostEnvironment = EnvironmentOf("host");
        Assert.Equal("http/protobuf", hostEnvironment["OTEL_EXPORTER_OTLP_PROTOCOL"]);
        hostEnvironment["Logging__LogLevel__Default"] = "Warning";
        using var host = ChildProcess.Start("FoodOrdering.Host", [], hostEnvironment);
        ChildProcess? simulator = null;
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri(hostUrl + "/"), Timeout = TimeSpan.FromSeconds(30) };
            var info = await Poll.UntilAsync(async ct =>
            {
                try
                {
                    return await http.GetFromJsonAsync<HostInfo>("api/info", FoodOrderingSystem.Json, ct);
                }
                catch (HttpRequestException)
                {
                    return host.HasExited ? throw new InvalidOperationException("The host exited:\n" + host.Output()) : null;
                }
            }, i => i is not null, "the host to answer /api/info", diagnostics: host.Output);
            Assert.Equal(broker.BootstrapServers, info!.Kafka.BootstrapServers);
            Assert.False(info.Kafka.Embedded);
            Assert.True(info.Telemetry.ExportingTraces);
            Assert.False(info.Telemetry.ExportingMetrics);
            Assert.Equal("http/protobuf", info.Telemetry.Protocol);
            Assert.Equal("foodordering-host", info.Telemetry.ServiceName);
            Assert.Equal(new Uri("http://localhost:16686"), info.Telemetry.JaegerUiUrl);
            // The engine (and with it the ledger and the kitchens) on PostgreSQL, as in compose.
            Assert.Equal("Postgres", hostEnvironment["Durable__Store"]);
            Assert.StartsWith("PostgreSQL ", info.Store, StringComparison.Ordinal);
            Assert.EndsWith($"/{database.Database}", info.Store, StringComparison.Ordinal);
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("health")).StatusCode);

            simulator = ChildProcess.Start("FoodOrdering.DriverSimulator", [.. compose.Command("simulator").Select(Local)], EnvironmentOf("simulator"));
            var orderId = $"compose-{Guid.NewGuid():N}"[..24];
            using (var placed = await http.PostAsJsonAsync("api/orders", new
            {
                id = orderId, restaurantId = "bites_n_bytes", products = new[] { new { productId = "1007", quantity = 1 } }, totalCost = 2.5m, deliveryDelay = 0,
            }))
            {
                Assert.Equal(HttpStatusCode.Accepted, placed.StatusCode);
            }
            // A simulated driver takes the order: the host ran it through Kafka, the workflows, the kitchen and the matcher.
            await Poll.UntilAsync(async ct =>
                {
                    // 404 until intake has started the order's workflow.
                    using var response = await http.GetAsync($"api/orders/{orderId}", ct);
                    return response.IsSuccessStatusCode ? await response.Content.ReadFromJsonAsync<JsonElement>(FoodOrderingSystem.Json, ct) : default;
                },
                o => o.ValueKind == JsonValueKind.Object && o.TryGetProperty("status", out var s) && s.ValueKind == JsonValueKind.Object
                    && s.TryGetProperty("driverId", out var d) && d.ValueKind == JsonValueKind.String,
                "a simulated driver to be assigned the order", TimeSpan.FromSeconds(90), () => host.Output() + "\n" + simulator.Output());
            var traceId = (await http.GetFromJsonAsync<JsonElement>($"api/workflows/{orderId}", FoodOrderingSystem.Json))!.GetProperty("traceId").GetString();

            // Both programs exported over OTLP/HTTP: the order's trace from the POST through Kafka to the delivery, and the
            // simulator's calls continued by the host (one trace across the two processes).
            var spans = await Poll.UntilAsync(_ => Task.FromResult(otlp.Spans), s =>
                    s.Any(x => x.TraceId == traceId && x.Name == "RunWorkflow:DeliveryWorkflow")
                    && s.Any(x => x.Service == "foodordering-simulator" && s.Any(h => h.Service == "foodordering-host" && h.ParentSpanId == x.SpanId)),
                "the order's spans and the simulator's spans at the OTLP receiver", TimeSpan.FromSeconds(60));
            var trace = spans.Where(s => s.TraceId == traceId).ToList();
            output.WriteLine($"{spans.Count} spans received; the order's trace: {string.Join(", ", trace.Select(s => s.Name).Distinct())}");
            foreach (var name in new[] { "POST /api/orders", "send orders", "process orders", "StartWorkflow:OrderWorkflow", "RunWorkflow:OrderWorkflow",
                "RunActivity:PaymentActivities.Charge", "RunWorkflow:DeliveryWorkflow" })
            {
                Assert.Contains(trace, s => s.Name == name && s.Service == "foodordering-host");
            }
            Assert.Contains(trace, s => s.Name == "RunWorkflow:OrderWorkflow" && s.Attributes.GetValueOrDefault("durable.workflow.id") == orderId);
            Assert.Contains(trace, s => s.Name == "process orders" && s.Kind == 5 && s.Attributes.GetValueOrDefault("messaging.system") == "kafka");
            Assert.Equal(1, trace.Count(s => s.ParentSpanId.Length == 0 || s.ParentSpanId.Trim('0').Length == 0));
            Assert.Equal(0, otlp.MetricsRequests);
        }
        finally
        {
            output.WriteLine(host.Output());
            if (simulator is not null)
            {
                output.WriteLine(simulator.Output());
                await simulator.KillAsync();
                simulator.Dispose();
            }
            await host.KillAsync();
            try
            {
                Directory.Delete(directory, recursive: true);
            }
            catch (IOException)
            {
                // A leftover temp folder is harmless.
            }
        }
    }

    private static string Port(JsonElement port) => port.ValueKind == JsonValueKind.String
        ? port.GetString()!
        : $"{port.GetProperty("published")}:{port.GetProperty("target")}";

}
