using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Durable.CrashHost;

/// <summary>The command line: <c>--store</c>, <c>--ledger</c>, optionally <c>--start</c>, <c>--kill-after-starts</c>, <c>--connection-string</c>, <c>--lease-duration</c>.</summary>
public sealed class CrashHostOptions
{
    /// <summary>The workflow store (SQLite file), unless <see cref="ConnectionString"/> names a PostgreSQL database.</summary>
    [Required]
    public string Store { get; set; } = "";

    /// <summary>A PostgreSQL database to use as the workflow store instead of the SQLite file (several hosts may share it).</summary>
    [ConfigurationKeyName("connection-string")]
    public string? ConnectionString { get; set; }

    /// <summary>PostgreSQL only: how long this host's claims last without renewal (how soon others take over its work when it dies).</summary>
    [ConfigurationKeyName("lease-duration")]
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>The ledger of activity effects (a separate SQLite file, standing in for an external system).</summary>
    [Required]
    public string Ledger { get; set; } = "";

    /// <summary>How many workflows (crash-0 .. crash-(N-1)) to start; 0 only resumes what the store holds.</summary>
    [Range(0, 1_000_000)]
    public int Start { get; set; }

    /// <summary>Fault injection (<c>--kill-after-starts N</c>): the process SIGKILLs itself right after its Nth start is acknowledged.</summary>
    [Range(0, 1_000_000)]
    [ConfigurationKeyName("kill-after-starts")]
    public int KillAfterStarts { get; set; }
}

public static class CrashHostOptionsExtensions
{
    /// <summary>Binds the command line (the root of configuration) and validates it now: the store path is needed while wiring.</summary>
    public static CrashHostOptions AddCrashHostOptions(this IHostApplicationBuilder builder)
    {
        var options = builder.Configuration.Get<CrashHostOptions>() ?? new CrashHostOptions();
        Validator.ValidateObject(options, new ValidationContext(options), validateAllProperties: true);
        builder.Services.AddSingleton(options);
        return options;
    }
}
