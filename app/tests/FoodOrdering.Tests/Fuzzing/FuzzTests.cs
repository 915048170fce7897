using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using Durable;
using Durable.Client;
using Durable.Storage;
using FoodOrdering.Domain.Orders;
using FoodOrdering.Domain.Security;
using FoodOrdering.Host.Food;
using FoodOrdering.Kafka;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace FoodOrdering.Tests.Fuzzing;

/// <summary>
/// Ten thousand hostile inputs through the real HTTP socket and the real Kafka protocol against one host. Set FUZZ_SEED to
/// replay a run's inputs (the seed is printed).
/// </summary>
public sealed class FuzzTests(ITestOutputHelper output)
{
    private const int HttpInputs = 7_000;
    private const int KafkaInputs = 3_000;
    private const int Parallelism = 8;
    private const int HttpOrders = HttpInputs / 3;
    private const int DefaultSeed = 20_261_121;
    private const long Mega = 1024 * 1024;
    /// <summary>
    /// Generous on purpose: the engine's sticky cache, the SQLite pages and the broker's in-memory log grow with the work done.
    /// Holding on to the inputs would pass them: the huge documents alone are some 200 MB of strings.
    /// </summary>
    private const long HeapBound = 128 * Mega;
    private const long WorkingSetBound = 768 * Mega;

    private static readonly string[] WeirdPathSegments =
    [
        "%00", "..%2F..%2Fetc", "a%ZZb", "%ED%A0%80", "%F0%9F", "%E2%80%AE", new string('x', 5_000), "matcher-berlin", "driver-x", "%20", "order%0D%0Ax", "%C0%AF",
    ];

    private static readonly string[] NoRegions = ["atlantis", "berlin ", "%00", ""];
    private static readonly string[] JobReports = ["pickup", "delivered"];
    private static readonly string[] CallbackRestaurants = ["mcstate", "bites_n_bytes", "%00"];
    private static readonly string[] SignalNames = ["prepared", "cancel", "event", "driver", "picked-up", "%00", "x%E2%80%AE", new string('s', 300)];

    private sealed record Input(HttpMethod Method, string Path, string? Body, string? Token, string ContentType = "application/json", byte[]? RawBody = null);

    private sealed record ConsumerProgress(long Orders, long Positions);

    private sealed class Tally
    {
        public long Tried;
        public long Rejected;
        public long Accepted;
        public readonly ConcurrentQueue<string> Failures = new();
        public readonly ConcurrentBag<string> AcceptedOrders = [];
        public long AcceptedPositions;
        public long RefusedByKestrel;

        public void Fail(string what)
        {
            if (Failures.Count < 50)
            {
                Failures.Enqueue(what);
            }
        }
    }

    [Fact]
    public async Task HostileInput_TenThousandOverHttpAndKafka_NoServerErrorNothingLostNothingStuckMemoryBounded()
    {
        var seed = int.TryParse(Environment.GetEnvironmentVariable("FUZZ_SEED"), out var given) ? given : DefaultSeed;
        Report($"fuzz seed {seed} (FUZZ_SEED={seed} replays these inputs)");
        // A minute of the system's time per real second: kitchens, timers and the driver timeout pass quickly, so accepted orders end within the test.
        await using var host = new HostFactory(new()
        {
            ["Security:RequestsPerSecond"] = "1000000", ["Security:RequestBurst"] = "1000000", ["FoodOrdering:TimeScale"] = "60",
            // Thousands of dead letters would each log a warning; the DLQ topics hold them with their reasons.
            ["Logging:LogLevel:FoodOrdering.Kafka"] = Environment.GetEnvironmentVariable("FUZZ_KAFKA_LOG") ?? "Error",
        });
        host.StartServer();
        // Bodies over 32 KB go with "Expect: 100-continue", and the host answers 413 to an oversized one without reading it.
        // The client must wait for that answer (HttpClient stops waiting after 1 s by default, then sends the body into a
        // connection the host closes); on a busy machine the answer can take longer than that.
        using var http = new HttpClient(new SocketsHttpHandler { Expect100ContinueTimeout = TimeSpan.FromSeconds(60) }) { BaseAddress = host.BaseAddress };
        var services = host.Services;
        var client = services.GetRequiredService<DurableClient>();
        var tokens = services.GetRequiredService<ActorTokens>();
        var intake = services.GetRequiredService<OrderIntakeConsumer>();
        var positions = services.GetRequiredService<DriverUpdatesConsumer>();
        var bootstrap = services.GetRequiredService<KafkaCluster>().BootstrapServers;
        using var deadLetters = new DeadLetterReader(bootstrap, ["orders.dlq", "driver-updates.dlq"]);
        var memoryBefore = MemoryInUse();
        var inputs = new HostileInputs(new Random(seed));
        var stopwatch = System.Diagnostics.Stopwatch.StartNew();
        var tally = new Tally();

        // Orders first, so that the signals, cancels and callbacks after them meet live, finished and unknown workflows. Inputs
        // are made as they are sent (one at a time, in order, so a seed always gives the same ones) and dropped once answered.
        var orderIds = Enumerable.Range(0, HttpOrders).Select(i => inputs.Id(i % 10 == 0 ? "fz-decline" : "fz")).ToList();
        await SendAllAsync(http, orderIds.Select(id => OrderInput(inputs, id)), tally);
        Report($"orders sent at {stopwatch.Elapsed.TotalSeconds:0.0} s; consumed so far {intake.Consumed}");
        await SendAllAsync(http, Enumerable.Range(0, HttpInputs - HttpOrders).Select(_ => OtherInput(inputs, orderIds, tokens)), tally);
        Assert.True(tally.Failures.IsEmpty, "HTTP failures:\n" + string.Join("\n", tally.Failures));
        Assert.Equal(HttpInputs, tally.Tried);
        // HTTP's accepted orders and positions travel through Kafka too: the Kafka inputs start once those are read, and none
        // of them may end in a dead-letter topic (the client was told it was accepted).
        var fromHttp = tally.AcceptedOrders.Count + tally.AcceptedPositions;
        await Api.PollAsync(_ => Task.FromResult(intake.Consumed + positions.Consumed), c => c >= fromHttp, "the consumers to read HTTP's records", TimeSpan.FromSeconds(90));
        Assert.Equal(0, intake.DeadLettered + positions.DeadLettered);

        var kafka = await ProduceAllAsync(bootstrap, inputs, tokens, KafkaInputs, () => intake.Consumed + positions.Consumed);
        Report($"HTTP sent; Kafka produced at {stopwatch.Elapsed.TotalSeconds:0.0} s; consumed so far {intake.Consumed} orders, {positions.Consumed} positions");
        var expected = new ConsumerProgress(kafka.Orders + tally.AcceptedOrders.Count, kafka.Positions + tally.AcceptedPositions);
        await Api.PollAsync(_ => Task.FromResult(new ConsumerProgress(intake.Consumed, positions.Consumed)),
            c => c.Orders >= expected.Orders && c.Positions >= expected.Positions, $"the consumers to read every record ({expected})", TimeSpan.FromSeconds(90));
        var deadLettered = intake.DeadLettered + positions.DeadLettered;
        tally.Tried += KafkaInputs;
        tally.Rejected += deadLettered;
        tally.Accepted += KafkaInputs - deadLettered;
        // Each dead letter was acknowledged by the broker before it was counted; the reader has followed the topics all along.
        var reasons = await Api.PollAsync(_ => Task.FromResult(deadLetters.Reasons), r => r.Count >= deadLettered,
            $"the {deadLettered} dead letters to be read back", TimeSpan.FromSeconds(60));

        var orders = await EveryOrderEndsAsync(client, http);
        var acceptedOrders = tally.AcceptedOrders.Count + kafka.Orders - intake.DeadLettered;
        var stuck = await client.ListAsync(new WorkflowQuery { Stuck = true, PageSize = 20 });
        using var health = await http.GetAsync("/health");
        var memoryAfter = MemoryInUse();
        var outcomes = orders.GroupBy(o => o.State).OrderBy(g => g.Key).Select(g => $"{g.Count()} {g.Key}");

        var summary = $"FUZZ seed {seed}: inputs tried {tally.Tried} (HTTP {HttpInputs}, Kafka {KafkaInputs}), rejected with a clear error {tally.Rejected} " +
            $"(HTTP ProblemDetails {tally.Rejected - deadLettered - tally.RefusedByKestrel}, HTTP bare 400 from Kestrel for an encoded NUL in the path {tally.RefusedByKestrel}, " +
            $"Kafka dead letters {deadLettered}, {reasons.Count(r => r.Length > 0)} read back with a reason), accepted {tally.Accepted}, failures {tally.Failures.Count}; " +
            $"orders accepted {acceptedOrders} ({kafka.Duplicates} of them sent twice over Kafka), ended {orders.Count} ({string.Join(", ", outcomes)}), stuck workflows {stuck.Items.Count}; " +
            $"health {(int)health.StatusCode}; managed heap {memoryBefore.Heap / Mega} -> {memoryAfter.Heap / Mega} MB, working set {memoryBefore.WorkingSet / Mega} -> {memoryAfter.WorkingSet / Mega} MB; " +
            $"{stopwatch.Elapsed.TotalSeconds:0} s";
        Report(summary);
        await File.WriteAllTextAsync(Path.Combine(AppContext.BaseDirectory, "fuzz.txt"), summary + Environment.NewLine);

        Assert.True(tally.Failures.IsEmpty, "failures:\n" + string.Join("\n", tally.Failures));
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Empty(stuck.Items.Select(i => $"{i.WorkflowId} ({i.Type})"));
        Assert.Equal(deadLettered, reasons.Count);
        Assert.All(reasons, r => Assert.False(string.IsNullOrWhiteSpace(r), "every dead letter says why"));
        // Nothing lost, nothing started twice: one ended order workflow per accepted order (a duplicate record starts nothing).
        Assert.Equal(acceptedOrders - kafka.Duplicates, orders.Count);
        Assert.Empty(tally.AcceptedOrders.Except(orders.Select(o => o.Id)));
        Assert.All(orders, o => Assert.True(o.State is OrderState.Delivered or OrderState.Rejected or OrderState.Cancelled, $"order {o.Id} ended {o.State}"));
        Assert.True(memoryAfter.Heap - memoryBefore.Heap < HeapBound, $"the managed heap grew by {(memoryAfter.Heap - memoryBefore.Heap) / Mega} MB");
        Assert.True(memoryAfter.WorkingSet - memoryBefore.WorkingSet < WorkingSetBound, $"the working set grew by {(memoryAfter.WorkingSet - memoryBefore.WorkingSet) / Mega} MB");
        Assert.Equal(tally.Tried, tally.Rejected + tally.Accepted);
    }

    /// <summary>This process's managed heap after a full collection, and its working set (the host runs in this process).</summary>
    private static (long Heap, long WorkingSet) MemoryInUse()
    {
        var heap = GC.GetTotalMemory(forceFullCollection: true);
        using var process = System.Diagnostics.Process.GetCurrentProcess();
        return (heap, process.WorkingSet64);
    }

    private void Report(string line)
    {
        output.WriteLine(line);
        Console.WriteLine(line);
    }

    private static Input OrderInput(HostileInputs inputs, string id)
    {
        var (kind, json) = inputs.Order(id);
        return inputs.Next(20) switch
        {
            0 => new Input(HttpMethod.Post, "/api/orders", json, null, "text/plain"),
            1 => new Input(HttpMethod.Post, "/api/orders", null, null, RawBody: Encoding.UTF8.GetBytes(json).Concat(new byte[] { 0xC3, 0x28, 0xED, 0xA0, 0x80, 0xFF }).ToArray()),
            _ => new Input(HttpMethod.Post, "/api/orders", kind == "valid" && id.Contains("decline", StringComparison.Ordinal) ? inputs.ValidOrder(id) : json, null),
        };
    }

    /// <summary>Everything but placing orders: signals (duplicate, out of order, unknown and finished targets), cancels, callbacks, drivers, queries.</summary>
    private static Input OtherInput(HostileInputs inputs, IReadOnlyList<string> orderIds, ActorTokens tokens)
    {
        const string Operator = HostFactory.OperatorToken;
        var order = inputs.Next(5) == 0 ? inputs.Pick(WeirdPathSegments) : inputs.Pick(orderIds);
        var driver = inputs.Next(3) == 0 ? inputs.Pick(WeirdPathSegments) : $"fz-drv-{inputs.Next(20)}";
        var garbageToken = inputs.Next(2) == 0 ? "not-a-token" : tokens.ForDriver("someone-else", "shift");
        return inputs.Next(16) switch
        {
            0 or 1 => new Input(HttpMethod.Post, $"/api/workflows/{order}/signals/prepared", inputs.Next(3) == 0 ? inputs.SignalArgument() : "{}", Operator),
            2 => new Input(HttpMethod.Post, $"/api/workflows/{order}/signals/{inputs.Pick(SignalNames)}", inputs.SignalArgument(), Operator),
            3 => new Input(HttpMethod.Post, $"/api/workflows/{(inputs.Next(2) == 0 ? "matcher-berlin" : $"driver-fz-drv-{inputs.Next(20)}")}/signals/event",
                inputs.SignalArgument(), Operator),
            4 => new Input(HttpMethod.Post, $"/api/workflows/{order}/signals/prepared", "{}", inputs.Next(2) == 0 ? null : garbageToken),
            5 => new Input(HttpMethod.Post, $"/api/orders/{order}/cancel", null, inputs.Next(3) switch { 0 => tokens.ForOrder(order), 1 => garbageToken, _ => null }),
            6 => new Input(HttpMethod.Post, $"/api/workflows/{inputs.Pick(WeirdPathSegments)}/{(inputs.Next(2) == 0 ? "cancel" : "terminate")}",
                inputs.Next(2) == 0 ? null : $$"""{"reason":"{{inputs.Unicode()}}"}""", Operator),
            7 => new Input(HttpMethod.Get, inputs.Pick(new[]
            {
                $"/api/orders/{order}", $"/api/workflows/{order}", $"/api/workflows/{order}/history?runId={inputs.Pick(WeirdPathSegments)}", $"/api/drivers/{driver}",
                $"/api/restaurants/{inputs.Pick(WeirdPathSegments)}/queue", $"/api/payments/{order}", $"/api/drivers/{driver}/assignment",
                $"/api/workflows?status={inputs.Pick(WeirdPathSegments)}&pageSize={inputs.Next(5_000) - 100}&createdAfter={inputs.Pick(WeirdPathSegments)}",
                $"/api/workflows?pageToken={inputs.Pick(WeirdPathSegments)}&stuck=maybe", $"/api/orders?pageSize=-{inputs.Next(9)}", "/api/drivers?regionId=%00",
            }), null, null),
            8 => new Input(HttpMethod.Post, $"/api/drivers/{driver}/shift", inputs.Next(2) == 0
                ? $$"""{"regionId":"{{inputs.Pick(NoRegions)}}","lat":{{inputs.Next(400) - 200}},"lon":1,"speedMetersPerSecond":{{inputs.Next(300) - 100}}}"""
                : inputs.Mutate("""{"regionId":"nowhere","lat":52.5,"lon":13.4}"""), null),
            9 => new Input(HttpMethod.Post, $"/api/drivers/{driver}/{inputs.Pick(JobReports)}",
                inputs.Next(2) == 0 ? $$"""{"deliveryId":"{{inputs.Unicode()}}"}""" : inputs.Mutate("""{"deliveryId":"delivery-1"}"""), inputs.Next(2) == 0 ? garbageToken : Operator),
            10 => new Input(HttpMethod.Post, $"/api/drivers/{driver}/location", inputs.Position(), inputs.Next(2) == 0 ? garbageToken : null),
            11 => new Input(HttpMethod.Delete, $"/api/drivers/{driver}/shift", null, garbageToken),
            12 => new Input(HttpMethod.Post, $"/api/restaurants/{inputs.Pick(CallbackRestaurants)}/orders/{order}/prepared", null,
                inputs.Next(2) == 0 ? garbageToken : null),
            13 => new Input(HttpMethod.Post, $"/api/restaurants/mcstate/orders/{order}/mark-prepared", null, inputs.Next(2) == 0 ? Operator : garbageToken),
            14 => new Input(inputs.Pick(new[] { HttpMethod.Put, HttpMethod.Patch, HttpMethod.Delete }), inputs.Pick(new[] { "/api/orders", $"/api/orders/{order}", "/api/workflows" }),
                inputs.Next(2) == 0 ? null : "{}", Operator),
            _ => new Input(HttpMethod.Post, "/api/orders", inputs.Nested(inputs.Next(2) == 0 ? 100_000 : 64), null),
        };
    }

    private static async Task SendAllAsync(HttpClient http, IEnumerable<Input> batch, Tally tally) =>
        await Parallel.ForEachAsync(batch, new ParallelOptions { MaxDegreeOfParallelism = Parallelism }, async (input, cancellationToken) =>
        {
            Interlocked.Increment(ref tally.Tried);
            using var request = new HttpRequestMessage(input.Method, input.Path);
            if (input.Token is not null)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", input.Token);
            }
            if (input.RawBody is not null || input.Body is not null)
            {
                request.Content = input.RawBody is not null ? new ByteArrayContent(input.RawBody) : new StringContent(input.Body!, Encoding.UTF8);
                request.Content.Headers.ContentType = new MediaTypeHeaderValue(input.ContentType);
                // As a well-behaved client of large uploads does: the host's 413 then comes before the body is sent, rather
                // than in the middle of sending it (when the host closes the connection on the rest).
                request.Headers.ExpectContinue = (input.RawBody?.Length ?? input.Body!.Length) > 32 * 1024;
            }
            HttpResponseMessage response;
            try
            {
                response = await http.SendAsync(request, cancellationToken);
            }
            catch (HttpRequestException ex)
            {
                tally.Fail($"{input.Method} {Short(input.Path)}: no response ({ex.Message})");
                return;
            }
            using (response)
            {
                var body = await response.Content.ReadAsStringAsync(cancellationToken);
                var status = (int)response.StatusCode;
                if (status >= 500)
                {
                    tally.Fail($"{input.Method} {Short(input.Path)} {Short(input.Body)}: {status} {Short(body)}");
                }
                else if (response.IsSuccessStatusCode)
                {
                    Interlocked.Increment(ref tally.Accepted);
                    if (input.Path == "/api/orders" && input.Method == HttpMethod.Post)
                    {
                        tally.AcceptedOrders.Add(JsonDocument.Parse(body).RootElement.GetProperty("id").GetString()!);
                    }
                    else if (input.Path.EndsWith("/location", StringComparison.Ordinal))
                    {
                        Interlocked.Increment(ref tally.AcceptedPositions);
                    }
                }
                else if (IsProblem(response, body))
                {
                    Interlocked.Increment(ref tally.Rejected);
                }
                else if (status == 400 && body.Length == 0 && input.Path.Contains("%00", StringComparison.Ordinal))
                {
                    // Kestrel refuses a path with an encoded NUL while parsing the request line, before any of our code runs,
                    // with a bare 400 that the app cannot dress as ProblemDetails.
                    Interlocked.Increment(ref tally.Rejected);
                    Interlocked.Increment(ref tally.RefusedByKestrel);
                }
                else
                {
                    tally.Fail($"{input.Method} {Short(input.Path)} {Short(input.Body)}: {status} without a ProblemDetails body: {Short(body)}");
                }
            }
        });

    /// <summary>A clear error: a ProblemDetails document with a title.</summary>
    private static bool IsProblem(HttpResponseMessage response, string body)
    {
        if (response.Content.Headers.ContentType?.MediaType != "application/problem+json")
        {
            return false;
        }
        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.TryGetProperty("title", out var title) && !string.IsNullOrWhiteSpace(title.GetString());
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private sealed record KafkaInputsSent(int Orders, int Positions, int Duplicates);

    /// <summary>
    /// Produces the Kafka inputs in batches, each once the consumers have read the one before: the embedded broker keeps about
    /// 5 MB per partition in memory, and a producer far ahead of the consumer would push unread records out (see the README).
    /// Now and then a valid order goes out twice, as an at-least-once producer does: it must start nothing the second time.
    /// </summary>
    private static async Task<KafkaInputsSent> ProduceAllAsync(string bootstrap, HostileInputs inputs, ActorTokens tokens, int count, Func<long> consumed)
    {
        using var producer = new ProducerBuilder<string?, string?>(new ProducerConfig { BootstrapServers = bootstrap, LingerMs = 5 }).Build();
        var (orders, positions, duplicates) = (0, 0, 0);
        var start = consumed();
        const int Batch = 250;
        while (orders + positions < count)
        {
            var sends = new List<Task>();
            for (var i = 0; i < Batch && orders + positions < count; i++)
            {
                if ((orders + positions) % 3 == 2)
                {
                    positions++;
                    sends.Add(producer.ProduceAsync("driver-updates", PositionRecord(inputs, tokens)));
                    continue;
                }
                var (valid, record) = OrderRecord(inputs);
                orders++;
                sends.Add(producer.ProduceAsync("orders", record));
                if (valid && orders + positions < count && inputs.Next(10) == 0)
                {
                    orders++;
                    duplicates++;
                    sends.Add(producer.ProduceAsync("orders", record));
                }
            }
            await Task.WhenAll(sends);
            var produced = orders + positions;
            await Api.PollAsync(_ => Task.FromResult(consumed() - start), c => c >= produced, $"the consumers to read {produced} records", TimeSpan.FromSeconds(60));
        }
        return new KafkaInputsSent(orders, positions, duplicates);
    }

    /// <summary>An order record, and whether it is a valid one under its own id as key (which intake must accept).</summary>
    private static (bool Valid, Message<string?, string?> Record) OrderRecord(HostileInputs inputs)
    {
        var id = inputs.Id("fzk");
        var (kind, json) = inputs.Order(id, kafka: true);
        var value = inputs.Next(40) == 0 ? null : json;
        var key = inputs.Next(10) == 0 ? (inputs.Next(2) == 0 ? null : inputs.Unicode()) : id;
        return (kind == "valid" && value is not null && key == id, new Message<string?, string?> { Key = key, Value = value });
    }

    private static Message<string?, string?> PositionRecord(HostileInputs inputs, ActorTokens tokens)
    {
        var driver = inputs.Next(5) == 0 ? inputs.Pick(WeirdPathSegments) : $"fz-drv-{inputs.Next(20)}";
        var token = inputs.Next(4) switch
        {
            0 => tokens.ForDriver(driver, ActorTokens.NewShiftId()),
            1 => tokens.ForDriver("someone-else", ActorTokens.NewShiftId()),
            2 => inputs.Unicode(),
            _ => null,
        };
        return new Message<string?, string?>
        {
            Key = driver, Value = inputs.Position(),
            Headers = token is null ? null : new Headers { { ActorTokens.KafkaHeader, Encoding.UTF8.GetBytes(token) } },
        };
    }

    /// <summary>
    /// Waits for every accepted order to end. Those still waiting for a far delivery time are cancelled by the operator, the
    /// way a customer would; the rest end by themselves (prepared, then no driver in time: cancelled and refunded).
    /// </summary>
    private static async Task<List<(string Id, OrderState? State)>> EveryOrderEndsAsync(DurableClient client, HttpClient http)
    {
        var orderType = OrdersApi.OrderType;
        await Api.PollAsync(async ct =>
        {
            var running = await client.ListAsync(new WorkflowQuery { Type = orderType, Status = WorkflowStatus.Running, PageSize = 1000 }, ct);
            foreach (var item in running.Items)
            {
                if (item.CustomStatus is { } json && DurableJson.Deserialize<OrderStatus>(json).State is OrderState.Scheduled)
                {
                    using var cancel = new HttpRequestMessage(HttpMethod.Post, $"/api/orders/{item.WorkflowId}/cancel")
                    {
                        Headers = { Authorization = new AuthenticationHeaderValue("Bearer", HostFactory.OperatorToken) },
                    };
                    using var _ = await http.SendAsync(cancel, ct);
                }
            }
            // A stuck run would never end: the test stops waiting and names it.
            var stuck = await client.ListAsync(new WorkflowQuery { Stuck = true, PageSize = 1 }, ct);
            return running.Items.GroupBy(i => i.CustomStatus is { } json ? DurableJson.Deserialize<OrderStatus>(json).State.ToString() : "none")
                .ToDictionary(g => g.Key, g => g.Count()).Append(new("stuck", stuck.Items.Count)).Where(p => p.Value > 0).ToDictionary();
        }, running => running.Count == 0 || running.ContainsKey("stuck"), "every accepted order to end (running orders by state)", TimeSpan.FromSeconds(120));
        var orders = new List<(string, OrderState?)>();
        string? pageToken = null;
        do
        {
            var page = await client.ListAsync(new WorkflowQuery { Type = orderType, PageSize = 1000, PageToken = pageToken });
            orders.AddRange(page.Items.Select(i => (i.WorkflowId, i.CustomStatus is { } json ? DurableJson.Deserialize<OrderStatus>(json).State : (OrderState?)null)));
            pageToken = page.NextPageToken;
        }
        while (pageToken is not null);
        return orders;
    }

    private static string Short(string? text) => text is null ? "" : text.Length > 160 ? text[..160] + "…" : text;
}
