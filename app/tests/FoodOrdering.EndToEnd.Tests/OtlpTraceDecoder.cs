using System.Text;

namespace FoodOrdering.EndToEnd.Tests;

/// <summary>
/// Reads the parts of an OTLP ExportTraceServiceRequest (protobuf) the tests look at: each resource's service.name,
/// and each span's ids, name, kind and string attributes. Unknown fields are skipped by wire type.
/// </summary>
public static class OtlpTraceDecoder
{
    private const int VarInt = 0, Fixed64 = 1, Bytes = 2, Fixed32 = 5;

    public static List<ReceivedSpan> Decode(ReadOnlySpan<byte> request)
    {
        var spans = new List<ReceivedSpan>();
        foreach (var (field, _, resourceSpans) in Fields(request.ToArray()))
        {
            if (field != 1)
            {
                continue;
            }
            var service = "";
            var scopes = new List<byte[]>();
            foreach (var (rsField, _, value) in Fields(resourceSpans))
            {
                if (rsField == 1)
                {
                    service = Attributes(value, attributesField: 1).GetValueOrDefault("service.name", "");
                }
                else if (rsField == 2)
                {
                    scopes.Add(value);
                }
            }
            foreach (var scope in scopes)
            {
                foreach (var (scopeField, _, span) in Fields(scope))
                {
                    if (scopeField == 2)
                    {
                        spans.Add(Span(service, span));
                    }
                }
            }
        }
        return spans;
    }

    private static ReceivedSpan Span(string service, byte[] span)
    {
        string traceId = "", spanId = "", parent = "", name = "";
        var kind = 0;
        foreach (var (field, number, value) in Fields(span))
        {
            switch (field)
            {
                case 1: traceId = Convert.ToHexStringLower(value); break;
                case 2: spanId = Convert.ToHexStringLower(value); break;
                case 4: parent = Convert.ToHexStringLower(value); break;
                case 5: name = Encoding.UTF8.GetString(value); break;
                case 6: kind = (int)number; break;
            }
        }
        return new ReceivedSpan(service, traceId, spanId, parent, name, kind, Attributes(span, attributesField: 9));
    }

    /// <summary>KeyValue entries (key = 1, value = 2: AnyValue with string_value = 1, int_value = 3) in field <paramref name="attributesField"/>.</summary>
    private static Dictionary<string, string> Attributes(byte[] message, int attributesField)
    {
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (field, _, keyValue) in Fields(message))
        {
            if (field != attributesField)
            {
                continue;
            }
            string? key = null, text = null;
            foreach (var (kvField, _, value) in Fields(keyValue))
            {
                if (kvField == 1)
                {
                    key = Encoding.UTF8.GetString(value);
                }
                else if (kvField == 2)
                {
                    foreach (var (anyField, number, any) in Fields(value))
                    {
                        text = anyField switch
                        {
                            1 => Encoding.UTF8.GetString(any),
                            3 => number.ToString(System.Globalization.CultureInfo.InvariantCulture),
                            _ => text,
                        };
                    }
                }
            }
            if (key is not null && text is not null)
            {
                attributes[key] = text;
            }
        }
        return attributes;
    }

    /// <summary>The fields of one message: number, the value of a varint field, the bytes of a length-delimited one.</summary>
    private static IEnumerable<(int Field, ulong Number, byte[] Bytes)> Fields(byte[] message)
    {
        var position = 0;
        while (position < message.Length)
        {
            var tag = ReadVarInt(message, ref position);
            var field = (int)(tag >> 3);
            switch ((int)(tag & 7))
            {
                case VarInt:
                    yield return (field, ReadVarInt(message, ref position), []);
                    break;
                case Fixed64:
                    position += 8;
                    break;
                case Bytes:
                    var length = (int)ReadVarInt(message, ref position);
                    yield return (field, 0, message[position..(position + length)]);
                    position += length;
                    break;
                case Fixed32:
                    position += 4;
                    break;
                default:
                    throw new InvalidDataException($"Unsupported protobuf wire type {tag & 7} at byte {position}.");
            }
        }
    }

    private static ulong ReadVarInt(byte[] buffer, ref int position)
    {
        ulong value = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            var b = buffer[position++];
            value |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                return value;
            }
        }
        throw new InvalidDataException("Malformed varint.");
    }
}
