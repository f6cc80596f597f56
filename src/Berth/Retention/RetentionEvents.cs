using System.Text.Json;
using Berth.Data;
using Berth.Data.Entities;
using Berth.Events;
using Berth.Jobs;
using Berth.Webhooks;
using Microsoft.EntityFrameworkCore;

namespace Berth.Retention;

/// <summary>Records Harbor's <c>TAG_RETENTION</c> event when a retention run ends (not a dry run: it changed nothing).</summary>
/// <remarks>
/// The event carries Harbor's <c>retention</c> object for the webhook: the run's totals over its repositories, the policy,
/// the project, the result, and each deleted artifact as <c>repository:tag</c> (or <c>@digest</c>).
/// </remarks>
public sealed class RetentionEvents(BerthDbContext db, EventLog events, RegistryAddress registry) : IExecutionObserver
{
    public string VendorType => RetentionJobHandler.VendorType;

    public async Task EndedAsync(Execution execution, CancellationToken cancellationToken)
    {
        using var attributes = JsonDocument.Parse(execution.ExtraAttrs);
        if (attributes.RootElement.TryGetProperty("dry_run", out var dry) && dry.ValueKind == JsonValueKind.True)
        {
            return;
        }

        var project = await db.Policies.AsNoTracking().Where(p => p.Id == execution.VendorId)
            .Join(db.Projects, p => p.ProjectId, p => p.Id, (_, p) => new { p.Id, p.Name }).FirstOrDefaultAsync(cancellationToken);
        if (project is null)
        {
            return; // the policy went with its project: nobody is left to tell
        }

        long total = 0, retained = 0;
        var deleted = new List<object>();
        foreach (var task in execution.Tasks)
        {
            using var results = JsonDocument.Parse(task.ExtraAttrs);
            var root = results.RootElement;
            total += Count(root, "total");
            retained += Count(root, "retained");
            if (root.TryGetProperty("deleted_artifacts", out var gone) && gone.ValueKind == JsonValueKind.Array)
            {
                deleted.AddRange(gone.EnumerateArray().Select(g => new Dictionary<string, string>
                {
                    ["type"] = "image",
                    ["status"] = "SUCCESS",
                    ["name_tag"] = g.GetString() ?? "",
                }));
            }
        }

        var retention = new Dictionary<string, object?>
        {
            ["total"] = total,
            ["retained"] = retained,
            ["harbor_hostname"] = registry.Host,
            ["project_name"] = project.Name,
            ["retention_policy_id"] = execution.VendorId,
            ["result"] = execution.Status.ToString().ToUpperInvariant(),
            ["deleted_artifact"] = deleted,
        };
        var data = EventData.ForProject(project.Name);
        data.Extra = JsonSerializer.SerializeToElement(new Dictionary<string, object?> { ["retention"] = retention });
        await events.AddAsync(EventTypes.TagRetention, data, cancellationToken, project.Id);
    }

    private static long Count(JsonElement attributes, string name) =>
        attributes.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetInt64() : 0;
}
