using System.Globalization;
using System.Text.Json;
using Berth.Api;
using Berth.Data;
using Berth.Data.Entities;
using Berth.Jobs;
using Berth.Projects;
using Microsoft.EntityFrameworkCore;

namespace Berth.Retention;

/// <summary>
/// Retention policies: one per project at most, linked from the project's metadata <c>retention_id</c> as in Harbor, with
/// a schedule named <c>retention/{id}</c> while the trigger has a cron.
/// </summary>
/// <remarks>Each change writes the policy, the link and the schedule in one transaction.</remarks>
public sealed class RetentionPolicyStore(BerthDbContext db, ProjectMetadataStore metadata, ScheduleStore schedules, TimeProvider clock)
{
    public const string PolicyKind = "retention";

    public static string ScheduleName(long policyId) => "retention/" + policyId.ToString(CultureInfo.InvariantCulture);

    /// <summary>The policy with its id and scope filled in, or null.</summary>
    public async Task<RetentionPolicy?> FindAsync(long id, CancellationToken cancellationToken)
    {
        var row = await db.Policies.AsNoTracking().FirstOrDefaultAsync(p => p.Id == id && p.Kind == PolicyKind, cancellationToken);
        if (row?.ProjectId is not { } projectId)
        {
            return null;
        }

        var policy = JsonSerializer.Deserialize<RetentionPolicy>(row.Data) ?? new RetentionPolicy();
        policy.Id = row.Id;
        policy.Scope = new RetentionScope { Level = "project", Ref = projectId };
        return policy;
    }

    /// <summary>When the policy's schedule fires next, if it has one.</summary>
    public async Task<DateTime?> NextRunAsync(long id, CancellationToken cancellationToken) =>
        (await schedules.FindAsync(ScheduleName(id), cancellationToken))?.NextRunAt;

    /// <summary>Stores a validated policy for <paramref name="projectId"/> and links the project to it.</summary>
    /// <exception cref="ApiException">400 when the project has a policy already, as Harbor answers.</exception>
    public async Task<long> CreateAsync(long projectId, RetentionPolicy policy, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await RefuseSecondPolicyAsync(projectId, cancellationToken);
        var now = clock.GetUtcNow().UtcDateTime;
        var row = new Policy { Kind = PolicyKind, ProjectId = projectId, Data = Serialize(policy, projectId), CreatedAt = now, UpdatedAt = now };
        db.Policies.Add(row);
        await db.SaveChangesAsync(cancellationToken);
        if (!await metadata.TryAddAsync(projectId, ProjectMetadataStore.RetentionId, row.Id.ToString(CultureInfo.InvariantCulture), cancellationToken))
        {
            // Another request linked a policy to the project in the meantime.
            await RefuseSecondPolicyAsync(projectId, cancellationToken);
        }

        await ScheduleAsync(row.Id, policy, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return row.Id;
    }

    /// <summary>Replaces the rules and trigger of <paramref name="existing"/>; its schedule follows the new cron.</summary>
    public async Task UpdateAsync(RetentionPolicy existing, RetentionPolicy policy, CancellationToken cancellationToken)
    {
        var projectId = existing.Scope!.Ref;
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var data = Serialize(policy, projectId);
        var now = clock.GetUtcNow().UtcDateTime;
        await db.Policies.Where(p => p.Id == existing.Id)
            .ExecuteUpdateAsync(s => s.SetProperty(p => p.Data, data).SetProperty(p => p.UpdatedAt, now), cancellationToken);
        await ScheduleAsync(existing.Id, policy, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>Deletes the policy, its schedule, its finished executions and the project's link to it.</summary>
    /// <exception cref="ApiException">412 while one of its executions is still pending or running, as Harbor answers.</exception>
    public async Task DeleteAsync(RetentionPolicy policy, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        // The schedule goes first: from here on no firing can start a new execution of this policy.
        await schedules.RemoveAsync(ScheduleName(policy.Id), cancellationToken);
        var executions = db.Executions.Where(e => e.VendorType == RetentionJobHandler.VendorType && e.VendorId == policy.Id);
        if (await executions.AnyAsync(e => e.Status == ExecutionStatus.Pending || e.Status == ExecutionStatus.Running, cancellationToken))
        {
            throw ApiException.Precondition($"retention policy {policy.Id} has an execution in progress; stop it or let it finish first");
        }

        await executions.ExecuteDeleteAsync(cancellationToken);
        await metadata.RemoveAsync(policy.Scope!.Ref, ProjectMetadataStore.RetentionId, cancellationToken);
        await db.Policies.Where(p => p.Id == policy.Id).ExecuteDeleteAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    private async Task RefuseSecondPolicyAsync(long projectId, CancellationToken cancellationToken)
    {
        if (await metadata.GetAsync(projectId, ProjectMetadataStore.RetentionId, cancellationToken) is { } existing)
        {
            throw ApiException.BadRequest($"project {projectId} already has retention policy {existing}; change it with PUT /retentions/{existing}");
        }
    }

    private async Task ScheduleAsync(long id, RetentionPolicy policy, CancellationToken cancellationToken)
    {
        if (RetentionPolicyValidator.CronOf(policy) is { } cron)
        {
            var payload = JobJson.Serialize(new Dictionary<string, long> { ["policy_id"] = id });
            await schedules.EnsureAsync(ScheduleName(id), cron, null, RetentionJobHandler.JobKind, payload, RetentionJobHandler.VendorType, id,
                cancellationToken);
        }
        else
        {
            await schedules.RemoveAsync(ScheduleName(id), cancellationToken);
        }
    }

    /// <summary>The stored form: the policy without its id, its trigger settings reduced to the cron (next_scheduled_time is computed).</summary>
    private static string Serialize(RetentionPolicy policy, long projectId)
    {
        var stored = new RetentionPolicy
        {
            Algorithm = policy.Algorithm,
            Rules = policy.Rules,
            Trigger = new RetentionTrigger
            {
                Kind = policy.Trigger?.Kind ?? "Schedule",
                Settings = new() { ["cron"] = JsonSerializer.SerializeToElement(RetentionPolicyValidator.CronOf(policy) ?? "") },
                References = policy.Trigger?.References ?? [],
            },
            Scope = new RetentionScope { Level = "project", Ref = projectId },
        };
        return JsonSerializer.Serialize(stored);
    }
}
