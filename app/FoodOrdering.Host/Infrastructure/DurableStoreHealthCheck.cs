using Durable.Client;
using Durable.Storage;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace FoodOrdering.Host.Infrastructure;

/// <summary>Healthy when the workflow store opens and answers a query; a thrown error is reported as Unhealthy by the framework.</summary>
internal sealed class DurableStoreHealthCheck(DurableClient client) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        await client.ListAsync(new WorkflowQuery { PageSize = 1 }, cancellationToken);
        return HealthCheckResult.Healthy("The workflow store answers.");
    }
}
