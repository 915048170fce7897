using System.Diagnostics;
using System.Text;
using Confluent.Kafka;

namespace FoodOrdering.Kafka;

/// <summary>Trace context in record headers (W3C traceparent/tracestate), and the messaging spans.</summary>
public static class KafkaTracing
{
    public const string SourceName = "FoodOrdering.Kafka";
    public static readonly ActivitySource Source = new(SourceName, "1.0.0");

    public static Headers Inject(Activity? activity, Headers? headers = null)
    {
        headers ??= [];
        if (activity?.Id is { } id)
        {
            headers.Add("traceparent", Encoding.ASCII.GetBytes(id));
            if (activity.TraceStateString is { Length: > 0 } state)
            {
                headers.Add("tracestate", Encoding.ASCII.GetBytes(state));
            }
        }
        return headers;
    }

    public static ActivityContext Extract(Headers? headers)
    {
        if (headers is not null && headers.TryGetLastBytes("traceparent", out var bytes)
            && ActivityContext.TryParse(Encoding.ASCII.GetString(bytes),
                headers.TryGetLastBytes("tracestate", out var state) ? Encoding.ASCII.GetString(state) : null, out var context))
        {
            return context;
        }
        return default;
    }

    public static Activity? StartProcess(ConsumeResult<string, string> record, string group)
    {
        var activity = Source.StartActivity($"process {record.Topic}", ActivityKind.Consumer, Extract(record.Message.Headers));
        activity?.SetTag("messaging.system", "kafka");
        activity?.SetTag("messaging.operation.type", "process");
        activity?.SetTag("messaging.destination.name", record.Topic);
        activity?.SetTag("messaging.consumer.group.name", group);
        activity?.SetTag("messaging.destination.partition.id", record.Partition.Value.ToString(System.Globalization.CultureInfo.InvariantCulture));
        activity?.SetTag("messaging.kafka.offset", record.Offset.Value);
        activity?.SetTag("messaging.kafka.message.key", record.Message.Key);
        return activity;
    }

    public static Activity? StartSend(string topic, string key)
    {
        var activity = Source.StartActivity($"send {topic}", ActivityKind.Producer);
        activity?.SetTag("messaging.system", "kafka");
        activity?.SetTag("messaging.operation.type", "send");
        activity?.SetTag("messaging.destination.name", topic);
        activity?.SetTag("messaging.kafka.message.key", key);
        return activity;
    }
}
