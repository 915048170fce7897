using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace FoodOrdering.Host.Security;

/// <summary>Counts each client address's open Server-Sent Events streams, so one client cannot hold every connection.</summary>
public sealed class SseConnections(IOptions<SecurityOptions> options)
{
    private readonly ConcurrentDictionary<string, int> _open = new(StringComparer.Ordinal);

    /// <summary>Takes a slot for the request's client until the response completes; false when it has none left.</summary>
    public bool TryOpen(HttpContext context)
    {
        var client = context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        var count = _open.AddOrUpdate(client, 1, (_, n) => n + 1);
        if (count > options.Value.SseConnectionsPerClient)
        {
            Close(client);
            return false;
        }
        context.Response.RegisterForDispose(new Slot(this, client));
        return true;
    }

    public int Open(string client) => _open.GetValueOrDefault(client);

    private void Close(string client)
    {
        // Removing at zero keeps the map as small as the set of clients streaming right now.
        if (_open.AddOrUpdate(client, 0, (_, n) => n - 1) <= 0)
        {
            _open.TryRemove(new KeyValuePair<string, int>(client, 0));
        }
    }

    private sealed class Slot(SseConnections owner, string client) : IDisposable
    {
        public void Dispose() => owner.Close(client);
    }

    /// <summary>The endpoint filter of every SSE endpoint.</summary>
    public static TBuilder Limit<TBuilder>(TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(async (context, next) =>
        {
            var http = context.HttpContext;
            if (http.RequestServices.GetRequiredService<SseConnections>().TryOpen(http))
            {
                return await next(context);
            }
            SecurityMetrics.Reject(SecurityMetrics.TooManyStreams);
            http.Response.Headers.RetryAfter = "5";
            return TypedResults.Problem(
                $"This client already has {http.RequestServices.GetRequiredService<IOptions<SecurityOptions>>().Value.SseConnectionsPerClient} event streams open; close one first.",
                title: "Too many event streams", statusCode: StatusCodes.Status429TooManyRequests);
        });
}

public static class SseConnectionsExtensions
{
    /// <summary>At most <see cref="SecurityOptions.SseConnectionsPerClient"/> open streams per client address.</summary>
    public static TBuilder LimitStreamsPerClient<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder => SseConnections.Limit(builder);
}
