namespace Berth.Events;

/// <summary>Harbor's event types: what the outbox records and what webhook policies may subscribe to.</summary>
/// <remarks>
/// Adding a type takes its constant here, the call that records it, and (if it is to reach them) a line in the audit log's
/// mapping and in <see cref="CloudEventTypes"/>; the dispatcher hands every type to every consumer.
/// </remarks>
public static class EventTypes
{
    public const string PushArtifact = "PUSH_ARTIFACT";
    public const string PullArtifact = "PULL_ARTIFACT";
    public const string DeleteArtifact = "DELETE_ARTIFACT";
    public const string CreateProject = "CREATE_PROJECT";
    public const string DeleteProject = "DELETE_PROJECT";
    public const string DeleteRepository = "DELETE_REPOSITORY";
    public const string QuotaExceed = "QUOTA_EXCEED";
    public const string QuotaWarning = "QUOTA_WARNING";
    public const string Replication = "REPLICATION";
    public const string TagRetention = "TAG_RETENTION";
    public const string ScanningFailed = "SCANNING_FAILED";
    public const string ScanningStopped = "SCANNING_STOPPED";
    public const string ScanningCompleted = "SCANNING_COMPLETED";

    /// <summary>The types a webhook policy may name, as Harbor lists them, each with its CloudEvents <c>type</c>.</summary>
    public static IReadOnlyDictionary<string, string> CloudEventTypes { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [DeleteArtifact] = "harbor.artifact.deleted",
        [PullArtifact] = "harbor.artifact.pulled",
        [PushArtifact] = "harbor.artifact.pushed",
        [QuotaExceed] = "harbor.quota.exceeded",
        [QuotaWarning] = "harbor.quota.warned",
        [Replication] = "harbor.replication.status.changed",
        [ScanningFailed] = "harbor.scan.failed",
        [ScanningCompleted] = "harbor.scan.completed",
        [ScanningStopped] = "harbor.scan.stopped",
        [TagRetention] = "harbor.tag_retention.finished",
    };

    /// <summary>Harbor's order of the webhook event types (<c>GET /projects/{p}/webhook/events</c>).</summary>
    public static IReadOnlyList<string> Subscribable { get; } =
    [
        DeleteArtifact, PullArtifact, PushArtifact, QuotaExceed, QuotaWarning, Replication, ScanningFailed, ScanningStopped,
        ScanningCompleted, TagRetention,
    ];
}
