namespace Berth.Settings;

/// <summary>The system settings in effect: Harbor's <c>/api/v2.0/configurations</c> values, or their defaults.</summary>
public sealed record SystemSettings(
    bool ReadOnly,
    string ProjectCreationRestriction,
    long RobotTokenDurationDays,
    TimeSpan TokenExpiration,
    TimeSpan SessionTimeout,
    bool QuotaPerProjectEnabled,
    long StoragePerProject)
{
    /// <summary>Harbor's <c>notification_enable</c>: whether webhook policies fire at all.</summary>
    public bool NotificationEnable { get; init; } = true;

    /// <summary>Harbor's <c>pull_audit_log_disable</c>: pulls raise their events, but leave no audit log line.</summary>
    public bool PullAuditLogDisable { get; init; }

    public const string Everyone = "everyone";
    public const string AdminOnly = "adminonly";

    /// <summary>Harbor's message for anything refused in read-only mode.</summary>
    /// <summary>The largest storage limit Harbor accepts: 1024 TB.</summary>
    public const long MaxStorageLimit = 1L << 50;

    public const string ReadOnlyMessage = "The system is in read only mode. Any modification is prohibited.";
}

/// <summary>Thrown by work that would change stored content while the system is read-only.</summary>
public sealed class ReadOnlyModeException() : InvalidOperationException(SystemSettings.ReadOnlyMessage);
