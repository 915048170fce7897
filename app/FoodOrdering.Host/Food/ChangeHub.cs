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
    private readonly List<Subscription> _subscribers = [];

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
        using var subscription = Subscribe(filter);
        await foreach (var change in subscription.Changes.ReadAllAsync(cancellationToken))
        {
            yield return change;
        }
    }

    /// <summary>
    /// The changes that pass <paramref name="filter"/> from now until the subscription is disposed, for a caller that reads the
    /// store between them (subscribed first, it misses nothing in between) and stops waiting without cancelling anything.
    /// </summary>
    public Subscription Subscribe(Func<WorkflowChange, bool> filter)
    {
        var subscription = new Subscription(this, filter, Channel.CreateBounded<WorkflowChange>(new BoundedChannelOptions(SubscriberBuffer)
        {
            FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true,
        }));
        lock (_gate)
        {
            _subscribers.Add(subscription);
        }
        return subscription;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await foreach (var change in client.WatchAsync(cancellationToken: stoppingToken))
                {
                    Subscription[] subscribers;
                    lock (_gate)
                    {
                        subscribers = [.. _subscribers];
                    }
                    foreach (var subscriber in subscribers)
                    {
                        subscriber.Offer(change);
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

    public sealed class Subscription : IDisposable
    {
        private readonly ChangeHub _hub;
        private readonly Channel<WorkflowChange> _channel;

        internal Subscription(ChangeHub hub, Func<WorkflowChange, bool> filter, Channel<WorkflowChange> channel)
        {
            _hub = hub;
            Filter = filter;
            _channel = channel;
        }

        public ChannelReader<WorkflowChange> Changes => _channel.Reader;

        internal Func<WorkflowChange, bool> Filter { get; }

        internal void Offer(WorkflowChange change)
        {
            if (Filter(change))
            {
                _channel.Writer.TryWrite(change);
            }
        }

        public void Dispose()
        {
            lock (_hub._gate)
            {
                _hub._subscribers.Remove(this);
            }
        }
    }
}

internal static partial class ChangeHubLog
{
    [LoggerMessage(Level = LogLevel.Error, Message = "Reading the change feed failed; reading again")]
    public static partial void FeedFailed(ILogger logger, Exception exception);
}
