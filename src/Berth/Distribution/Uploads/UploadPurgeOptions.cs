namespace Berth.Distribution.Uploads;

/// <summary>Removing abandoned uploads. Section <c>UploadPurging</c>; Harbor's defaults (168 h old, every 24 h).</summary>
public sealed class UploadPurgeOptions
{
    public const string Section = "UploadPurging";

    public bool Enabled { get; set; } = true;

    /// <summary>Upload sessions idle for longer than this are removed with their data.</summary>
    public TimeSpan MaxAge { get; set; } = TimeSpan.FromDays(7);

    /// <summary>How often the purge runs.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromHours(24);

    /// <summary>Log what would be removed, remove nothing.</summary>
    public bool DryRun { get; set; }
}
