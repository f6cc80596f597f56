using System.ComponentModel.DataAnnotations;

namespace Berth.Hosting;

/// <summary>Limits of the <c>/v2/</c> API. Section <c>Distribution</c>.</summary>
public sealed class DistributionOptions
{
    public const string Section = "Distribution";

    /// <summary>The most entries one page of tags, catalog or referrers holds, whatever <c>n</c> asks for.</summary>
    [Range(1, 100_000)]
    public int MaxPageSize { get; set; } = 1000;

    /// <summary>The largest manifest accepted, in bytes (distribution's 4 MiB).</summary>
    [Range(1024, 64 * 1024 * 1024)]
    public int MaxManifestBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>How many manifests' bytes are kept in memory, by digest (always valid: content-addressed).</summary>
    [Range(0, 1_000_000)]
    public int ManifestCacheEntries { get; set; } = 10_000;

    /// <summary>How often recorded pull times are written to the database (pulls never wait for that write).</summary>
    public TimeSpan PullTimeFlushInterval { get; set; } = TimeSpan.FromSeconds(5);
}
