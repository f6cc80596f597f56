using Berth.Api;
using Berth.Data;
using Berth.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace Berth.Webhooks;

/// <summary>Webhook policies of a project, kept as <c>webhook</c> rows of the policies table; a project's go with it.</summary>
public sealed class WebhookPolicyStore(BerthDbContext db, TimeProvider clock)
{
    public async Task<List<WebhookPolicy>> ListAsync(long projectId, CancellationToken cancellationToken)
    {
        var rows = await db.Policies.AsNoTracking().Where(p => p.Kind == WebhookPolicy.Kind && p.ProjectId == projectId)
            .OrderBy(p => p.Id).ToListAsync(cancellationToken);
        return rows.Select(Read).ToList();
    }

    /// <summary>The policy <paramref name="id"/> of <paramref name="projectId"/>, or Harbor's 404.</summary>
    public async Task<WebhookPolicy> GetAsync(long projectId, long id, CancellationToken cancellationToken) =>
        await FindAsync(id, cancellationToken) is { } policy && policy.ProjectId == projectId
            ? policy
            : throw ApiException.NotFound($"project id:{projectId}, webhook policy id: {id} not found");

    public async Task<WebhookPolicy?> FindAsync(long id, CancellationToken cancellationToken) =>
        await db.Policies.AsNoTracking().FirstOrDefaultAsync(p => p.Id == id && p.Kind == WebhookPolicy.Kind, cancellationToken) is { } row
            ? Read(row)
            : null;

    public async Task<long> CreateAsync(long projectId, WebhookPolicy policy, string creator, CancellationToken cancellationToken)
    {
        await RequireUniqueNameAsync(projectId, policy.Name, null, cancellationToken);
        var now = clock.GetUtcNow().UtcDateTime;
        policy.Creator = creator;
        var row = new Policy { Kind = WebhookPolicy.Kind, ProjectId = projectId, Data = policy.Serialize(), CreatedAt = now, UpdatedAt = now };
        db.Policies.Add(row);
        await db.SaveChangesAsync(cancellationToken);
        return row.Id;
    }

    /// <summary>Replaces what a PUT may change: name, description, targets, event types and <c>enabled</c>.</summary>
    public async Task UpdateAsync(WebhookPolicy existing, WebhookPolicy changed, CancellationToken cancellationToken)
    {
        await RequireUniqueNameAsync(existing.ProjectId, changed.Name, existing.Id, cancellationToken);
        changed.Creator = existing.Creator;
        var data = changed.Serialize();
        var now = clock.GetUtcNow().UtcDateTime;
        await db.Policies.Where(p => p.Id == existing.Id && p.Kind == WebhookPolicy.Kind)
            .ExecuteUpdateAsync(s => s.SetProperty(p => p.Data, data).SetProperty(p => p.UpdatedAt, now), cancellationToken);
    }

    /// <summary>Deletes the policy. Its executions stay in the record (deliveries already queued find it gone and send nothing).</summary>
    public async Task DeleteAsync(WebhookPolicy policy, CancellationToken cancellationToken) =>
        await db.Policies.Where(p => p.Id == policy.Id && p.Kind == WebhookPolicy.Kind).ExecuteDeleteAsync(cancellationToken);

    private async Task RequireUniqueNameAsync(long projectId, string name, long? except, CancellationToken cancellationToken)
    {
        if ((await ListAsync(projectId, cancellationToken)).Any(p => p.Name == name && p.Id != except))
        {
            throw ApiException.Conflict($"webhook policy {name} already exists in the project");
        }
    }

    private static WebhookPolicy Read(Policy row)
    {
        var policy = WebhookPolicy.Parse(row.Data);
        policy.Id = row.Id;
        policy.ProjectId = row.ProjectId ?? 0;
        policy.CreatedAt = row.CreatedAt;
        policy.UpdatedAt = row.UpdatedAt;
        return policy;
    }
}
