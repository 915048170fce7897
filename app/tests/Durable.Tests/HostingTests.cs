using Durable.Hosting;
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
