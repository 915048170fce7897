using System.ComponentModel.DataAnnotations;

namespace Durable.Hosting;

/// <summary>Where the engine keeps its state.</summary>
public enum DurableStoreKind
{
    /// <summary>One SQLite file, one host (the embedded default).</summary>
    Sqlite,

    /// <summary>One PostgreSQL database shared by any number of hosts.</summary>
    Postgres,
}

/// <summary>Configuration section "Durable".</summary>
public sealed class DurableOptions : IValidatableObject
{
    public const string SectionName = "Durable";

    /// <summary>The store: Sqlite (StorePath) or Postgres (ConnectionString).</summary>
    public DurableStoreKind Store { get; set; } = DurableStoreKind.Sqlite;

    /// <summary>The SQLite file of the embedded store.</summary>
    [Required]
    public string StorePath { get; set; } = "data/durable.db";

    /// <summary>The Npgsql connection string of the PostgreSQL store (Store = Postgres).</summary>
    public string? ConnectionString { get; set; }

    /// <summary>
    /// PostgreSQL store: how long a host's claim on a workflow task or activity stays valid without renewal (it is renewed
    /// three times per lease while the work runs). A host that dies has its work taken over by the others within this time
    /// plus one poll interval.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.300", "01:00:00")]
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Run the worker in this process (a client-only process sets false).</summary>
    public bool WorkerEnabled { get; set; } = true;

    /// <summary>
    /// Activations run at once, each from its claim until its commit is acknowledged. Unset: 256 on SQLite, where waiting
    /// commits only queue for the single writer (and more of them make each group commit larger), 64 on PostgreSQL,
    /// where each commit holds one of the pool's connections.
    /// </summary>
    [Range(1, 10_000)]
    public int? MaxConcurrentWorkflowTasks { get; set; }

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

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Store != DurableStoreKind.Postgres)
        {
            yield break;
        }
        if (string.IsNullOrWhiteSpace(ConnectionString))
        {
            yield return new ValidationResult("Durable:ConnectionString is required when Durable:Store is Postgres.", [nameof(ConnectionString)]);
            yield break;
        }
        string? error = null;
        try
        {
            var builder = new Npgsql.NpgsqlConnectionStringBuilder(ConnectionString);
            if (string.IsNullOrEmpty(builder.Host))
            {
                error = "Durable:ConnectionString names no Host.";
            }
        }
        catch (ArgumentException ex)
        {
            error = $"Durable:ConnectionString is not a valid PostgreSQL connection string: {ex.Message}";
        }
        if (error is not null)
        {
            yield return new ValidationResult(error, [nameof(ConnectionString)]);
        }
    }
}
