using Berth.Data;
using Berth.Data.Entities;
using Berth.Events;
using Berth.Settings;

namespace Berth.Audit;

/// <summary>Writes an audit log line for each event Harbor's legacy audit log records, in the dispatcher's transaction.</summary>
/// <remarks>
/// Harbor's words: a project's creation is <c>create</c>/<c>project</c>/its name; a push <c>create</c>/<c>artifact</c>/
/// <c>repo:tag</c> (<c>repo:digest</c> without a tag); a pull <c>pull</c>/<c>artifact</c> the same way, by
/// <c>anonymous</c> when nobody signed in; an artifact delete <c>delete</c>/<c>artifact</c>/<c>repo:digest</c>; a
/// repository delete <c>delete</c>/<c>repository</c>/<c>repo</c>. Other events leave no line.
/// </remarks>
public sealed class AuditLogConsumer(BerthDbContext db, SettingsStore settings) : IEventConsumer
{
    public async Task HandleAsync(DispatchedEvent dispatched, CancellationToken cancellationToken)
    {
        if (Describe(dispatched) is not { } line)
        {
            return;
        }

        if (dispatched.Type == EventTypes.PullArtifact && (await settings.GetAsync(cancellationToken)).PullAuditLogDisable)
        {
            return;
        }

        var row = dispatched.Event;
        db.AuditLog.Add(new AuditLogEntry
        {
            ProjectId = dispatched.Project?.Id ?? row.ProjectId ?? 0,
            Operation = line.Operation,
            ResourceType = line.ResourceType,
            Resource = line.Resource.Length <= 1024 ? line.Resource : line.Resource[..1024],
            Username = row.Operator.Length == 0 && dispatched.Type == EventTypes.PullArtifact ? "anonymous" : row.Operator,
            OpTime = row.OccurredAt,
        });
    }

    private static (string Operation, string ResourceType, string Resource)? Describe(DispatchedEvent dispatched)
    {
        var data = dispatched.Data;
        var artifact = $"{data.Repository}:{(data.Tags is [var tag, ..] ? tag : data.Digest)}";
        return dispatched.Type switch
        {
            EventTypes.CreateProject => ("create", "project", data.Project ?? ""),
            EventTypes.DeleteProject => ("delete", "project", data.Project ?? ""),
            EventTypes.DeleteRepository => ("delete", "repository", data.Repository ?? ""),
            EventTypes.PushArtifact => ("create", "artifact", artifact),
            EventTypes.PullArtifact => ("pull", "artifact", artifact),
            EventTypes.DeleteArtifact => ("delete", "artifact", $"{data.Repository}:{data.Digest}"),
            _ => null,
        };
    }
}
