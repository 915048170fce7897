using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.Extensions.Options;

namespace FoodOrdering.Host.Api;

/// <summary>
/// Server-Sent Events of typed items: <c>event: {type}</c> and one <c>data: {json}</c> line each. Unlike
/// <c>TypedResults.ServerSentEvents</c>, which sends nothing (headers included) before its first item, the stream is
/// subscribed first and then opened on the wire at once with a <c>retry:</c> line: a client that has read the
/// headers knows no later item is missed. Ends when the items end, the client disconnects or the host stops.
/// </summary>
public sealed class EventStreamResult<T> : IResult, IEndpointMetadataProvider
{
    private readonly IAsyncEnumerable<T> _items;
    private readonly string _eventType;

    internal EventStreamResult(IAsyncEnumerable<T> items, string eventType)
    {
        _items = items;
        _eventType = eventType;
    }

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        var json = httpContext.RequestServices.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;
        var stopping = httpContext.RequestServices.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(httpContext.RequestAborted, stopping);
        var items = _items.GetAsyncEnumerator(stop.Token);
        // Asking for the first item subscribes (the streams subscribe before their first await), so the stream is
        // live before the client learns that it is open.
        var next = items.MoveNextAsync().AsTask();
        try
        {
            await EventStreamResponse.OpenAsync(httpContext, $"retry: {EventStreamResponse.RetryMilliseconds}\n\n", stop.Token);
            while (await next)
            {
                var data = JsonSerializer.Serialize(items.Current, json);
                await httpContext.Response.WriteAsync($"event: {_eventType}\ndata: {data}\n\n", stop.Token);
                await httpContext.Response.Body.FlushAsync(stop.Token);
                next = items.MoveNextAsync().AsTask();
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // The client went away or the host is stopping: the normal way for a live stream to end.
        }
        finally
        {
            // An iterator must not be disposed while a MoveNextAsync is under way; the cancellation ends it.
            await next.ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
            await items.DisposeAsync();
        }
    }

    [System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1000", Justification = "IEndpointMetadataProvider's member is static by design.")]
    public static void PopulateMetadata(System.Reflection.MethodInfo method, EndpointBuilder builder) =>
        builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status200OK, typeof(T), ["text/event-stream"]));
}

/// <summary>The response of a Server-Sent Events stream.</summary>
public static class EventStreamResponse
{
    /// <summary>How long an EventSource waits before reconnecting after a drop.</summary>
    public const int RetryMilliseconds = 3_000;

    /// <summary>
    /// Sets the event-stream headers, turns buffering off and puts <paramref name="preamble"/> (a comment or a
    /// <c>retry:</c> line, both ignored as events) on the wire with the headers. StartAsync alone does not reach the
    /// client on every server (TestServer waits for body bytes).
    /// </summary>
    public static async Task OpenAsync(HttpContext httpContext, string preamble, CancellationToken cancellationToken)
    {
        var response = httpContext.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        // Without this a compressing proxy or middleware would hold events back until a buffer fills.
        response.Headers.ContentEncoding = "identity";
        httpContext.Features.GetRequiredFeature<IHttpResponseBodyFeature>().DisableBuffering();
        await response.WriteAsync(preamble, cancellationToken);
        await response.Body.FlushAsync(cancellationToken);
    }
}
