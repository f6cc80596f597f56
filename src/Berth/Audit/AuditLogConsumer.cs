using System.Globalization;
using System.Text;
using Berth.Data;
using Berth.Data.Entities;
using Berth.Events;
using Berth.Settings;
using Microsoft.EntityFrameworkCore;

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
        var projectId = dispatched.Project?.Id ?? row.ProjectId ?? 0;
        var resource = line.Resource.Length <= 1024 ? line.Resource : line.Resource[..1024];
        var username = row.Operator.Length == 0 && dispatched.Type == EventTypes.PullArtifact ? "anonymous" : row.Operator;
        if (dispatched.Data.Times is { Count: > 1 } times)
        {
            await InsertAsync(projectId, line.Operation, line.ResourceType, resource, username, times, cancellationToken);
            return;
        }

        db.AuditLog.Add(new AuditLogEntry
        {
            ProjectId = projectId,
            Operation = line.Operation,
            ResourceType = line.ResourceType,
            Resource = resource,
            Username = username,
            OpTime = row.OccurredAt,
        });
    }

    /// <summary>One line per time, written at once in the dispatcher's transaction, many to a statement.</summary>
    /// <remarks>A grouped event can stand for tens of thousands of pulls; tracking an entity for each would cost far more than the rows.</remarks>
    private async Task InsertAsync(long projectId, string operation, string resourceType, string resource, string username, List<DateTime> times,
        CancellationToken cancellationToken)
    {
        const int RowsPerStatement = 500;
        for (var start = 0; start < times.Count; start += RowsPerStatement)
        {
            var count = Math.Min(RowsPerStatement, times.Count - start);
            var sql = new StringBuilder("INSERT INTO audit_log (\"ProjectId\", \"Operation\", \"ResourceType\", \"Resource\", \"Username\", \"OpTime\") VALUES ");
            var parameters = new List<object>(5 + count) { projectId, operation, resourceType, resource, username };
            for (var i = 0; i < count; i++)
            {
                sql.Append(i == 0 ? "" : ", ").Append(CultureInfo.InvariantCulture, $"({{0}}, {{1}}, {{2}}, {{3}}, {{4}}, {{{parameters.Count}}})");
                parameters.Add(times[start + i].ToUniversalTime());
            }

            await db.Database.ExecuteSqlRawAsync(sql.ToString(), parameters, cancellationToken);
        }
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
