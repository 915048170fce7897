using System.Text.Json;
using Confluent.Kafka;
using Durable;
using Durable.Client;
using FoodOrdering.Domain.Orders;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FoodOrdering.Kafka;

/// <summary>Topic "orders": each valid order starts its workflow (the order id is the workflow id, so duplicates start nothing).</summary>
public sealed class OrderIntakeConsumer(DurableClient client, KafkaCluster cluster, KafkaProducer producer, IOptions<KafkaOptions> options, ILogger<OrderIntakeConsumer> logger)
    : KafkaConsumerService(cluster, producer, options, logger)
{
    protected override string Topic => Options.OrdersTopic;

    protected override async Task<RecordOutcome> HandleAsync(ConsumeResult<string, string> record, CancellationToken cancellationToken)
    {
        OrderRequest? order;
        try
        {
            order = JsonSerializer.Deserialize<OrderRequest>(record.Message.Value, DurableJson.Options);
        }
        catch (JsonException ex)
        {
            return RecordOutcome.Rejected($"Malformed order JSON: {ex.Message}");
        }
        var errors = OrderValidation.Validate(order);
        if (errors.Count > 0)
        {
            return RecordOutcome.Rejected("Invalid order: " + string.Join(" ", errors.Select(e => $"{e.Key}: {string.Join(" ", e.Value)}")));
        }
        await client.StartAsync<OrderWorkflow, OrderRequest, OrderResult>(order!.Id, order, cancellationToken: cancellationToken);
        return RecordOutcome.Accepted;
    }
}
