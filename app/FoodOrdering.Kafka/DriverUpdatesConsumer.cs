using System.Text.Json;
using Confluent.Kafka;
using Durable;
using Durable.Client;
using FoodOrdering.Domain.Drivers;
using FoodOrdering.Domain.Geo;
using FoodOrdering.Domain.Security;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FoodOrdering.Kafka;

/// <summary>
/// Topic "driver-updates": key = driver id, value {"lat":..,"long":..} ("lon" and "lng" too), header "driver-token" = the
/// shift token the driver's phone got when the shift started; each becomes an event of the driver's twin. The token is
/// checked statelessly (it must have been issued to this driver), so one driver cannot move another.
/// </summary>
public sealed class DriverUpdatesConsumer(
    DurableClient client, KafkaCluster cluster, KafkaProducer producer, ActorTokens tokens, IOptions<KafkaOptions> options, ILogger<DriverUpdatesConsumer> logger)
    : KafkaConsumerService(cluster, producer, options, logger)
{
    protected override string Topic => Options.DriverUpdatesTopic;

    // Order intake keeps the configured group (and its committed offsets); positions get a group of their own.
    protected override string GroupId => $"{Options.ConsumerGroup}.{Options.DriverUpdatesTopic}";

    protected override async Task<RecordOutcome> HandleAsync(ConsumeResult<string, string> record, CancellationToken cancellationToken)
    {
        var driverId = record.Message.Key;
        if (!DriverIds.IsValid(driverId))
        {
            return RecordOutcome.Rejected($"The record key must be a driver id ({DriverIds.Rule}).");
        }
        if (Options.RequireDriverTokens && tokens.DriverShift(driverId, HeaderText(record.Message.Headers, ActorTokens.KafkaHeader)) is null)
        {
            return RecordOutcome.Rejected($"The \"{ActorTokens.KafkaHeader}\" header must hold the shift token issued to driver {driverId} (POST /api/drivers/{{id}}/shift returns it).");
        }
        if (!TryParseLocation(record.Message.Value, out var location, out var problem))
        {
            return RecordOutcome.Rejected(problem);
        }
        var at = record.Message.Timestamp.Type == TimestampType.NotAvailable ? DateTimeOffset.UtcNow : new DateTimeOffset(record.Message.Timestamp.UtcDateTime);
        // The first position of a driver nobody has seen yet creates the twin.
        await client.SignalWithStartAsync<DriverEvent>(WorkflowNames.Of<DriverTwinWorkflow>(), DriverSignals.WorkflowId(driverId),
            DurableJson.Serialize(new DriverTwinState { DriverId = driverId }), DriverSignals.Event, new LocationUpdated(location, at), cancellationToken);
        return RecordOutcome.Accepted;
    }

    private static string? HeaderText(Headers? headers, string name) =>
        headers is not null && headers.TryGetLastBytes(name, out var bytes) && bytes.Length <= 512 ? System.Text.Encoding.UTF8.GetString(bytes) : null;

    public static bool TryParseLocation(string json, out GeoPoint location, out string problem)
    {
        location = default;
        try
        {
            using var document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 4 });
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                problem = "The value must be a JSON object {\"lat\":..,\"long\":..}.";
                return false;
            }
            double? lat = null, lon = null;
            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (property.Value.ValueKind != JsonValueKind.Number)
                {
                    continue;
                }
                switch (property.Name)
                {
                    case "lat" or "latitude":
                        lat = property.Value.GetDouble();
                        break;
                    case "long" or "lon" or "lng" or "longitude":
                        lon = property.Value.GetDouble();
                        break;
                }
            }
            if (lat is null || lon is null)
            {
                problem = "The value needs numeric \"lat\" and \"long\" (or \"lon\"/\"lng\").";
                return false;
            }
            location = new GeoPoint(lat.Value, lon.Value);
            if (!location.IsValid)
            {
                problem = $"The position ({lat}, {lon}) is outside latitude [-90, 90] / longitude [-180, 180].";
                return false;
            }
            problem = "";
            return true;
        }
        catch (JsonException ex)
        {
            problem = $"Malformed JSON: {ex.Message}";
            return false;
        }
    }
}
