using System.Globalization;
using System.Text;
using FoodOrdering.Domain.Restaurants;

namespace FoodOrdering.Tests.Fuzzing;

/// <summary>
/// Generates hostile request bodies and Kafka values from one seeded <see cref="Random"/>: random and mutated JSON, huge and
/// deeply nested documents, wrong types, unicode edge cases. The same seed gives the same inputs, in the same order.
/// </summary>
internal sealed class HostileInputs(Random random)
{
    private const string OneProduct = """{"productId":"1002","quantity":1}""";
    private const string MutationAlphabet = "{}[]\",:\\0123456789-.eEtrufalsn \u0000\u00e9";

    /// <summary>Strings that break naive code: lone surrogates (as JSON escapes), NUL, bidi overrides, BOM, line separators, combining marks, very long.</summary>
    private static readonly string[] UnicodeEdges =
    [
        "\\ud800", "\\udfff", "a\\udc00b", "\\ud83d", "\\u0000", "nul\\u0000in", "\\u202eevil\\u202c", "\\ufeff", "\\u2028\\u2029", "\\u0085",
        "e\\u0301\\u0301\\u0301", "\U0001F355\U0001F355", "\u05e9\u05dc\u05d5\u05dd", "\uffff", "\\uffff", new string('\u00e9', 5_000),
        new string('x', 66_000), "../../etc/passwd", "<script>alert(1)</script>", "'; DROP TABLE events; --", "%00", "\\\\", "\\\"",
    ];

    public int Next(int max) => random.Next(max);

    public T Pick<T>(IReadOnlyList<T> items) => items[random.Next(items.Count)];

    public string Id(string prefix) => $"{prefix}-{random.Next():x8}";

    /// <summary>An order every intake accepts: a restaurant of the catalogue and a dish of its menu.</summary>
    public string ValidOrder(string id, bool delayed = false)
    {
        var restaurant = Pick(Catalog.All);
        return $$"""{"id":"{{id}}","restaurantId":"{{restaurant.Id}}","products":[{"productId":"{{Pick(restaurant.Menu).ProductId}}","description":"fuzz","quantity":{{1 + random.Next(3)}}}],"totalCost":{{random.Next(1, 50)}}.5,"deliveryDelay":{{(delayed ? 3_600_000 : random.Next(0, 2_000))}}}""";
    }

    /// <summary>A document of one hostile kind, or a valid order now and then (so some input is accepted and must complete).</summary>
    /// <param name="kafka">Kafka values stay under 100 KB: the embedded broker keeps only about 5 MB per partition in memory.</param>
    public (string Kind, string Json) Order(string id, bool kafka = false) => random.Next(12) switch
    {
        0 or 1 => ("valid", ValidOrder(id, delayed: random.Next(4) == 0)),
        2 or 3 => ("mutated", Mutate(ValidOrder(id))),
        4 => ("wrong-types", WrongTypes(id)),
        5 => ("unicode", $$"""{"id":"{{UnicodeOrId(id)}}","restaurantId":"{{Unicode()}}","products":[{"productId":"{{Unicode()}}","description":"{{Unicode()}}","quantity":1}],"totalCost":1,"deliveryDelay":0}"""),
        6 => ("nested", Nested(random.Next(2) == 0 ? 10_000 : 70)),
        7 => ("huge", Huge(id, kafka)),
        8 => ("random", RandomText(random.Next(1, 300))),
        9 => ("duplicate-keys", $$"""{"id":"{{id}}","id":"{{Id("other")}}","restaurantId":"mcstate","restaurantId":5,"products":[],"products":[{"productId":"1002","quantity":1}],"totalCost":1,"deliveryDelay":0}"""),
        10 => ("numbers", $$"""{"id":"{{id}}","restaurantId":"mcstate","products":[{"productId":"1002","quantity":{{Pick(Numbers)}}}],"totalCost":{{Pick(Numbers)}},"deliveryDelay":{{Pick(Numbers)}}}"""),
        _ => ("limits", Limits(id)),
    };

    private static readonly string[] Numbers =
        ["-1", "0", "1e400", "-1e400", "1e308", "9223372036854775808", "-9223372036854775809", "0.000000000000000000000001", "-0", "1.5", "100", "604800001", "NaN", "\"1\"", "null", "true"];

    /// <summary>Just over (or at) each limit: products per order, quantities, description length, delivery delay.</summary>
    private string Limits(string id) => random.Next(4) switch
    {
        0 => $$"""{"id":"{{id}}","restaurantId":"mcstate","products":[{{string.Join(",", Enumerable.Repeat(OneProduct, 50 + random.Next(2)))}}],"totalCost":1,"deliveryDelay":0}""",
        1 => $$"""{"id":"{{id}}","restaurantId":"mcstate","products":[{"productId":"1002","quantity":{{99 + random.Next(2)}}}],"totalCost":1,"deliveryDelay":0}""",
        2 => $$"""{"id":"{{id}}","restaurantId":"mcstate","products":[{"productId":"1002","description":"{{new string('d', 200 + random.Next(2))}}","quantity":1}],"totalCost":1,"deliveryDelay":0}""",
        _ => $$"""{"id":"{{id}}","restaurantId":"mcstate","products":[{"productId":"1002","quantity":1}],"totalCost":1,"deliveryDelay":{{604_800_000 + random.Next(2)}}}""",
    };

    private string UnicodeOrId(string id) => random.Next(2) == 0 ? id : Unicode();

    public string Unicode() => Pick(UnicodeEdges);

    private string WrongTypes(string id) => random.Next(8) switch
    {
        0 => $$"""{"id":{{random.Next()}},"restaurantId":"mcstate","products":[{"productId":"1002","quantity":1}],"totalCost":1,"deliveryDelay":0}""",
        1 => $$"""{"id":"{{id}}","restaurantId":["mcstate"],"products":[{"productId":"1002","quantity":1}],"totalCost":1,"deliveryDelay":0}""",
        2 => $$"""{"id":"{{id}}","restaurantId":"mcstate","products":"1002","totalCost":1,"deliveryDelay":0}""",
        3 => $$"""{"id":"{{id}}","restaurantId":"mcstate","products":[{"productId":1002,"quantity":"two"}],"totalCost":1,"deliveryDelay":0}""",
        4 => $$"""{"id":"{{id}}","restaurantId":"mcstate","products":[null,1,"x",[]],"totalCost":{},"deliveryDelay":"soon"}""",
        5 => "[]",
        6 => random.Next(2) == 0 ? "null" : "\"an order\"",
        _ => $$"""{"id":"{{id}}","restaurantId":"mcstate","products":[{"productId":"1002","quantity":1}],"totalCost":1,"deliveryDelay":0,"deliveryLocation":{"lat":"north","lon":null} }""",
    };

    /// <summary>A few random edits of a valid document: deletions, insertions, duplicated spans, swaps.</summary>
    public string Mutate(string json)
    {
        var text = new StringBuilder(json);
        for (var edits = 1 + random.Next(4); edits > 0 && text.Length > 1; edits--)
        {
            var at = random.Next(text.Length);
            switch (random.Next(4))
            {
                case 0:
                    text.Remove(at, Math.Min(1 + random.Next(4), text.Length - at));
                    break;
                case 1:
                    text.Insert(at, MutationAlphabet[random.Next(MutationAlphabet.Length)]);
                    break;
                case 2:
                    var length = Math.Min(1 + random.Next(12), text.Length - at);
                    text.Insert(at, text.ToString(at, length));
                    break;
                default:
                    var other = random.Next(text.Length);
                    (text[at], text[other]) = (text[other], text[at]);
                    break;
            }
        }
        return text.ToString();
    }

    public string Nested(int depth) => random.Next(2) == 0
        ? new string('[', depth) + new string(']', depth)
        : string.Concat(Enumerable.Repeat("{\"a\":", depth)) + "1" + new string('}', depth);

    /// <summary>Either just under the size limit with thousands of products, or over it (far over it for HTTP).</summary>
    private string Huge(string id, bool kafka)
    {
        var products = random.Next(2) == 0 ? 1_500 : kafka ? 2_500 : 20_000;
        return $$"""{"id":"{{id}}","restaurantId":"mcstate","products":[{{string.Join(",", Enumerable.Repeat(OneProduct, products))}}],"totalCost":1,"deliveryDelay":0}""";
    }

    public string RandomText(int length)
    {
        var characters = new char[length];
        for (var i = 0; i < length; i++)
        {
            characters[i] = random.Next(4) == 0 ? MutationAlphabet[random.Next(MutationAlphabet.Length)] : (char)random.Next(0, 0xD7FF);
        }
        return new string(characters);
    }

    /// <summary>A signal argument: nothing, JSON of the wrong shape, hostile strings, deep nesting.</summary>
    public string? SignalArgument() => random.Next(7) switch
    {
        0 => null,
        1 => "{}",
        2 => $$"""{"reason":"{{Unicode()}}"}""",
        3 => Pick(Numbers),
        4 => Nested(random.Next(2) == 0 ? 5_000 : 20),
        5 => Mutate("""{"reason":"fuzz"}"""),
        _ => "\"" + Unicode() + "\"",
    };

    /// <summary>A driver position: valid, out of range, or not a position at all.</summary>
    public string Position() => random.Next(6) switch
    {
        0 or 1 => string.Create(CultureInfo.InvariantCulture, $$"""{"lat":{{52.3 + random.NextDouble() / 10}},"long":{{4.8 + random.NextDouble() / 10}}}"""),
        2 => $$"""{"lat":{{Pick(Numbers)}},"lon":{{Pick(Numbers)}}}""",
        3 => Mutate("""{"lat":52.37,"lng":4.9}"""),
        4 => Nested(random.Next(2) == 0 ? 3 : 5_000),
        _ => RandomText(random.Next(1, 80)),
    };
}
