using System.ComponentModel.DataAnnotations;

namespace Durable.Hosting;

/// <summary>Configuration section "Durable".</summary>
public sealed class DurableOptions
{
    public const string SectionName = "Durable";

    /// <summary>The SQLite file of the embedded store.</summary>
    [Required]
    public string StorePath { get; set; } = "data/durable.db";

    /// <summary>Run the worker in this process (a client-only process sets false).</summary>
    public bool WorkerEnabled { get; set; } = true;

    [Range(1, 10_000)]
    public int MaxConcurrentWorkflowTasks { get; set; } = 64;

    [Range(1, 100_000)]
    public int MaxConcurrentActivities { get; set; } = 256;

    /// <summary>Running workflows kept in memory between activations; a miss replays history.</summary>
    [Range(0, 10_000_000)]
    public int CacheCapacity { get; set; } = 10_000;

    /// <summary>Longest wait between two looks at the store when no notification arrives.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "00:10:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Cap of the backoff between retries of a stuck workflow.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "1.00:00:00")]
    public TimeSpan StuckRetryMaxDelay { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How long shutdown waits for running activations and activities to finish.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan DrainTimeout { get; set; } = TimeSpan.FromSeconds(30);
}
