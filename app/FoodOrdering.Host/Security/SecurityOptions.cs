using System.ComponentModel.DataAnnotations;

namespace FoodOrdering.Host.Security;

/// <summary>Configuration section "Security": credentials and the limits on what one client may send.</summary>
public sealed class SecurityOptions
{
    public const string SectionName = "Security";

    /// <summary>The operator's bearer token; when empty, the one in {DataDirectory}/secrets.json (generated and printed at first start).</summary>
    public string? OperatorToken { get; set; }

    /// <summary>
    /// GET /api/auth/local hands the operator token to a browser on this machine (loopback address, a localhost Host
    /// header, no proxy headers), so the web UI works without pasting it. Turn off on a shared machine or behind a
    /// reverse proxy on the same machine.
    /// </summary>
    public bool LocalOperatorAccess { get; set; } = true;

    /// <summary>Largest request body; larger ones get 413.</summary>
    [Range(1024, 100 * 1024 * 1024)]
    public long MaxRequestBodyBytes { get; set; } = 64 * 1024;

    /// <summary>Open Server-Sent Events streams per client address; more get 429.</summary>
    [Range(1, 10_000)]
    public int SseConnectionsPerClient { get; set; } = 32;

    /// <summary>Requests per second per client address on the API (token bucket refill); above it: 429 with Retry-After.</summary>
    [Range(1, 1_000_000)]
    public int RequestsPerSecond { get; set; } = 100;

    /// <summary>Requests a client may burst above the steady rate.</summary>
    [Range(1, 1_000_000)]
    public int RequestBurst { get; set; } = 300;
}
