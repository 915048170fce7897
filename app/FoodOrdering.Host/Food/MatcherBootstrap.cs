using Durable.Client;
using FoodOrdering.Domain.Drivers;
using FoodOrdering.Domain.Geo;

namespace FoodOrdering.Host.Food;

/// <summary>Makes sure every region's matcher runs; starting one that already runs changes nothing.</summary>
public sealed class MatcherBootstrap(DurableClient client) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var region in Regions.All)
        {
            await client.StartAsync<RegionMatcherWorkflow, MatcherState, MatcherState>(region.MatcherWorkflowId, new MatcherState { RegionId = region.Id },
                new Durable.StartWorkflowOptions { IdReusePolicy = Durable.WorkflowIdReusePolicy.AllowDuplicate }, cancellationToken);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
