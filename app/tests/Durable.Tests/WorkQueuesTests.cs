using Durable.Storage;

namespace Durable.Tests;

/// <summary>The SQLite store's in-memory queues of due work.</summary>
public sealed class WorkQueuesTests
{
    [Fact]
    public void LeaseActivities_RetryDueBeforeThePreviousLeaseIsReleased_LeasedAgainAfterTheRelease()
    {
        var queues = new WorkQueues();
        queues.AddActivity(7, visibleAtMs: 100, nowMs: 100);
        Assert.Equal([7L], queues.LeaseActivities(10, 100));

        // The attempt failed; its retry is due at once and queued before the attempt's lease is released.
        queues.AddActivity(7, visibleAtMs: 101, nowMs: 101);
        Assert.Empty(queues.LeaseActivities(10, 102));
        queues.ReleaseActivity(7);

        Assert.Equal([7L], queues.LeaseActivities(10, 103));
    }
}
