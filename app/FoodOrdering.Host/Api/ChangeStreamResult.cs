using System.Text.Json;
using Durable.Client;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.Extensions.Options;

namespace FoodOrdering.Host.Api;

/// <summary>
/// Streams the engine's change feed as Server-Sent Events: <c>id: {sequence}</c> and one <c>data: {json}</c> line
/// per change. Ends when the client disconnects or the host stops.
/// </summary>
public sealed partial class ChangeStreamResult : IResult, IEndpointMetadataProvider
{
    private readonly DurableClient _client;
    private readonly long _position;
    private readonly ILogger _logger;
    private readonly CancellationToken _stopping;

    internal ChangeStreamResult(DurableClient client, long position, ILogger logger, CancellationToken stopping)
    {
        _client = client;
        _position = position;
        _logger = logger;
        _stopping = stopping;
    }

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        var json = httpContext.RequestServices.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;

        // Host shutdown must not wait for the client to hang up.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(httpContext.RequestAborted, _stopping);
        LogOpened(_position);
        try
        {
            // A comment line puts the headers on the wire now, not at the first change: a client that has read it
            // knows it is subscribed.
            await EventStreamResponse.OpenAsync(httpContext, $": changes after {_position}\n\n", stop.Token);
            await foreach (var change in _client.WatchAsync(_position, stop.Token))
            {
                var data = JsonSerializer.Serialize(WorkflowChangeDto.From(change), json);
                await httpContext.Response.WriteAsync($"id: {change.Sequence}\ndata: {data}\n\n", stop.Token);
                await httpContext.Response.Body.FlushAsync(stop.Token);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // The client went away or the host is stopping: the normal way for this stream to end.
        }
        LogClosed(httpContext.RequestAborted.IsCancellationRequested ? "the client disconnected" : "the host is stopping");
    }

    public static void PopulateMetadata(System.Reflection.MethodInfo method, EndpointBuilder builder) =>
        builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status200OK, typeof(WorkflowChangeDto), ["text/event-stream"]));

    [LoggerMessage(Level = LogLevel.Debug, Message = "Change stream opened after change {Position}")]
    private partial void LogOpened(long position);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Change stream closed: {Reason}")]
    private partial void LogClosed(string reason);
}
