using Berth.Api;
using Berth.Auth;
using Berth.Data;
using Berth.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace Berth.Webhooks;

/// <summary>Webhook policies of a project, kept as <c>webhook</c> rows of the policies table; a project's go with it.</summary>
/// <remarks>Each target's <c>auth_header</c> is a credential: stored encrypted (<see cref="CredentialProtector"/>), read back in clear.</remarks>
public sealed class WebhookPolicyStore(BerthDbContext db, TimeProvider clock, CredentialProtector credentials)
{
    public async Task<List<WebhookPolicy>> ListAsync(long projectId, CancellationToken cancellationToken)
    {
        var rows = await db.Policies.AsNoTracking().Where(p => p.Kind == WebhookPolicy.Kind && p.ProjectId == projectId)
            .OrderBy(p => p.Id).ToListAsync(cancellationToken);
        var policies = new List<WebhookPolicy>(rows.Count);
        foreach (var row in rows)
        {
            policies.Add(await ReadAsync(row, cancellationToken));
        }

        return policies;
    }

    /// <summary>The policy <paramref name="id"/> of <paramref name="projectId"/>, or Harbor's 404.</summary>
    public async Task<WebhookPolicy> GetAsync(long projectId, long id, CancellationToken cancellationToken) =>
        await FindAsync(id, cancellationToken) is { } policy && policy.ProjectId == projectId
            ? policy
            : throw ApiException.NotFound($"project id:{projectId}, webhook policy id: {id} not found");

    public async Task<WebhookPolicy?> FindAsync(long id, CancellationToken cancellationToken) =>
        await db.Policies.AsNoTracking().FirstOrDefaultAsync(p => p.Id == id && p.Kind == WebhookPolicy.Kind, cancellationToken) is { } row
            ? await ReadAsync(row, cancellationToken)
            : null;

    public async Task<long> CreateAsync(long projectId, WebhookPolicy policy, string creator, CancellationToken cancellationToken)
    {
        await RequireUniqueNameAsync(projectId, policy.Name, null, cancellationToken);
        var now = clock.GetUtcNow().UtcDateTime;
        policy.Creator = creator;
        var row = new Policy { Kind = WebhookPolicy.Kind, ProjectId = projectId, Data = await SerializeAsync(policy, cancellationToken), CreatedAt = now, UpdatedAt = now };
        db.Policies.Add(row);
        await db.SaveChangesAsync(cancellationToken);
        return row.Id;
    }

    /// <summary>Replaces what a PUT may change: name, description, targets, event types and <c>enabled</c>.</summary>
    public async Task UpdateAsync(WebhookPolicy existing, WebhookPolicy changed, CancellationToken cancellationToken)
    {
        await RequireUniqueNameAsync(existing.ProjectId, changed.Name, existing.Id, cancellationToken);
        changed.Creator = existing.Creator;
        var data = await SerializeAsync(changed, cancellationToken);
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

    /// <summary>The policy's JSON for its row, with every <c>auth_header</c> sealed; <paramref name="policy"/> itself is left in clear.</summary>
    private async Task<string> SerializeAsync(WebhookPolicy policy, CancellationToken cancellationToken)
    {
        var stored = WebhookPolicy.Parse(policy.Serialize());
        foreach (var target in stored.Targets)
        {
            target.AuthHeader = await credentials.ProtectAsync(target.AuthHeader, cancellationToken);
        }

        return stored.Serialize();
    }

    private async Task<WebhookPolicy> ReadAsync(Policy row, CancellationToken cancellationToken)
    {
        var policy = WebhookPolicy.Parse(row.Data);
        foreach (var target in policy.Targets)
        {
            target.AuthHeader = await credentials.UnprotectAsync(target.AuthHeader, cancellationToken);
        }

        policy.Id = row.Id;
        policy.ProjectId = row.ProjectId ?? 0;
        policy.CreatedAt = row.CreatedAt;
        policy.UpdatedAt = row.UpdatedAt;
        return policy;
    }
}
