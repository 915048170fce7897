using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Durable.Client;
using Durable.Storage;

namespace FoodOrdering.Host.Food;

/// <summary>
/// Reads the engine's change feed once for the whole process and fans it out to every live stream
/// (SSE clients), each with its own filter. A subscriber that cannot keep up loses its oldest
/// undelivered changes, never the process's memory.
/// </summary>
public sealed class ChangeHub(DurableClient client, ILogger<ChangeHub> logger) : BackgroundService
{
    private const int SubscriberBuffer = 1_000;
    private readonly Lock _gate = new();
    private readonly List<Subscriber> _subscribers = [];

    public int Subscribers
    {
        get
        {
            lock (_gate)
            {
                return _subscribers.Count;
            }
        }
    }

    public async IAsyncEnumerable<WorkflowChange> SubscribeAsync(Func<WorkflowChange, bool> filter, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var subscriber = new Subscriber(filter, Channel.CreateBounded<WorkflowChange>(new BoundedChannelOptions(SubscriberBuffer)
        {
            FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true,
        }));
        lock (_gate)
        {
            _subscribers.Add(subscriber);
        }
        try
        {
            await foreach (var change in subscriber.Channel.Reader.ReadAllAsync(cancellationToken))
            {
                yield return change;
            }
        }
        finally
        {
            lock (_gate)
            {
                _subscribers.Remove(subscriber);
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await foreach (var change in client.WatchAsync(cancellationToken: stoppingToken))
                {
                    Subscriber[] subscribers;
                    lock (_gate)
                    {
                        subscribers = [.. _subscribers];
                    }
                    foreach (var subscriber in subscribers)
                    {
                        if (subscriber.Filter(change))
                        {
                            subscriber.Channel.Writer.TryWrite(change);
                        }
                    }
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                LogFeedFailed(logger, ex);
                await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken);
            }
        }
    }

    private static void LogFeedFailed(ILogger logger, Exception exception) => ChangeHubLog.FeedFailed(logger, exception);

    private sealed record Subscriber(Func<WorkflowChange, bool> Filter, Channel<WorkflowChange> Channel);
}

internal static partial class ChangeHubLog
{
    [LoggerMessage(Level = LogLevel.Error, Message = "Reading the change feed failed; reading again")]
    public static partial void FeedFailed(ILogger logger, Exception exception);
}
