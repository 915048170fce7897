using Durable.Hosting;
using Durable.Storage;
using Durable.Tests.Workflows;
using Microsoft.Extensions.DependencyInjection;

namespace Durable.Tests;

public sealed class HostingTests
{
    [Fact]
    public async Task AddDurable_CalledByTwoModules_OneEngineRunsBothModulesWorkflows()
    {
        var directory = Path.Combine(Path.GetTempPath(), "durable-tests", Guid.NewGuid().ToString("N"));
        var services = new ServiceCollection().AddLogging();
        services.AddDurable(o => o.StorePath = Path.Combine(directory, "durable.db")).AddWorkflow<EchoWorkflow>().AddActivities<EchoActivities>();
        services.AddDurable().AddWorkflow<LongSleepWorkflow>();
        await using var provider = services.BuildServiceProvider();
        var worker = provider.GetRequiredService<DurableWorker>();
        await worker.StartAsync(CancellationToken.None);
        try
        {
            var client = provider.GetRequiredService<Client.DurableClient>();
            await client.StartAsync<LongSleepWorkflow, TimeSpan, SleepResult>("second-module", TimeSpan.Zero);

            var result = await client.GetResultAsync<SleepResult>("second-module").WaitAsync(Wait.HangGuard);

            Assert.Equal(result.Before, result.After);
            Assert.Single(provider.GetServices<Runtime.DurableRegistry>());
        }
        finally
        {
            await worker.StopAsync(CancellationToken.None);
        }
    }
}

public abstract class CloseRaceTests(StoreKind store) : StoreTests(store)
{
    [Fact]
    public async Task CommitActivationAsync_ClosingWhileAnUnseenSignalWaits_RefusedSoTheSignalIsNotDropped()
    {
        await using var env = await TestEnvironment.StartAsync(Store, b => b.AddWorkflow<EchoWorkflow>(), options: o => o.WorkerEnabled = false);
        await env.Client.StartAsync<EchoWorkflow, string, string>("close-race", "x");
        var claimed = Assert.Single(await env.Store.ClaimWorkflowTasksAsync(10, env.Time.GetUtcNow(), CancellationToken.None));
        // The signal lands after the claim read its inputs, while the (pretend) closing activation runs.
        await env.Client.SignalAsync("close-race", "late", "hello");
        var commit = new ActivationCommit
        {
            WorkflowId = claimed.WorkflowId,
            RunId = claimed.RunId,
            Type = claimed.Type,
            ExpectedNextEventId = claimed.NextEventId,
            ConsumedInbox = [.. claimed.Inbox.Select(i => i.Id)],
            NewEvents =
            [
                new HistoryEvent { EventId = 1, Type = HistoryEventType.ActivationStarted, Timestamp = env.Time.GetUtcNow() },
                claimed.Inbox[0].Event with { EventId = 2 },
                new HistoryEvent { EventId = 3, Type = HistoryEventType.WorkflowCompleted, Payload = "\"x\"", Timestamp = env.Time.GetUtcNow() },
            ],
            Now = env.Time.GetUtcNow(),
            Completion = CommitCompletion.Completed,
            Result = "\"x\"",
        };

        await Assert.ThrowsAsync<StaleHistoryException>(() => env.Store.CommitActivationAsync(commit, CancellationToken.None));
        env.Store.ReleaseWorkflowTask(claimed.RunId, retry: true);

        var description = await env.Client.DescribeAsync("close-race");
        Assert.Equal(WorkflowStatus.Running, description!.Status);
        Assert.Contains(description.BufferedSignals, s => s.Name == "late");
        Assert.Empty(await env.Client.GetHistoryAsync("close-race"));
    }
}

public sealed class CloseRaceTestsOnSqlite() : CloseRaceTests(StoreKind.Sqlite);

public sealed class CloseRaceTestsOnPostgres() : CloseRaceTests(StoreKind.Postgres);
