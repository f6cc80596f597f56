using System.Globalization;
using System.Text.Json;
using Berth.Api;
using Berth.Data;
using Berth.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace Berth.Projects.Immutability;

/// <summary>The immutability rules of each project, one row of the <c>policies</c> table per rule (kind <c>immutability</c>).</summary>
/// <remarks>
/// A rule goes with its project (the table's foreign key cascades). Each change is checked against the project's other
/// rules in the same transaction (SQLite's writer lock serializes them), and forgets the project's cached rules once committed.
/// </remarks>
public sealed class ImmutableRuleStore(BerthDbContext db, ImmutableRuleCache cache, TimeProvider clock)
{
    public const string PolicyKind = "immutability";

    /// <summary>The most rules a project may have, as many as Harbor's portal lets one add.</summary>
    public const int MaxRules = 15;

    /// <summary>Every rule of the project, oldest first, with id and project filled in.</summary>
    public async Task<List<ImmutableRule>> ListAsync(long projectId, CancellationToken cancellationToken)
    {
        var rows = await db.Policies.AsNoTracking().Where(p => p.Kind == PolicyKind && p.ProjectId == projectId)
            .OrderBy(p => p.Id).Select(p => new { p.Id, p.Data }).ToListAsync(cancellationToken);
        return rows.Select(r => Read(r.Id, projectId, r.Data)).ToList();
    }

    /// <summary>The enabled rules of the project named <paramref name="project"/>, from the cache when it has them.</summary>
    public async Task<IReadOnlyList<ImmutableRule>> EnabledAsync(string project, CancellationToken cancellationToken)
    {
        if (cache.TryGet(project, out var cached))
        {
            return cached;
        }

        var version = cache.Version;
        var rows = await db.Policies.AsNoTracking()
            .Where(p => p.Kind == PolicyKind && db.Projects.Any(x => x.Id == p.ProjectId && x.Name == project))
            .OrderBy(p => p.Id).Select(p => new { p.Id, p.ProjectId, p.Data }).ToListAsync(cancellationToken);
        var rules = rows.Select(r => Read(r.Id, r.ProjectId ?? 0, r.Data)).Where(r => !r.Disabled).ToList();
        cache.Set(project, rules, version);
        return rules;
    }

    /// <summary>Stores a validated rule (<see cref="ImmutableRuleValidator.Validate"/>) in <paramref name="project"/>.</summary>
    /// <exception cref="ApiException">409 when the project has the same rule already; 400 when it has <see cref="MaxRules"/>.</exception>
    public async Task<long> CreateAsync(Project project, ImmutableRule canonical, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var existing = await ListAsync(project.Id, cancellationToken);
        if (existing.Count >= MaxRules)
        {
            throw ApiException.BadRequest(string.Create(CultureInfo.InvariantCulture,
                $"project {project.Name} has {existing.Count} immutability rules already, the most it may have; change or delete one"));
        }

        RefuseDuplicate(existing, canonical, 0);
        var now = clock.GetUtcNow().UtcDateTime;
        var row = new Policy { Kind = PolicyKind, ProjectId = project.Id, Data = JsonSerializer.Serialize(canonical), CreatedAt = now, UpdatedAt = now };
        db.Policies.Add(row);
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        cache.Forget(project.Name);
        return row.Id;
    }

    /// <summary>Replaces rule <paramref name="id"/> of <paramref name="project"/> with a validated one; false when it has no such rule.</summary>
    /// <exception cref="ApiException">409 when that makes it the same as another rule of the project.</exception>
    public async Task<bool> UpdateAsync(Project project, long id, ImmutableRule canonical, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var existing = await ListAsync(project.Id, cancellationToken);
        if (existing.All(r => r.Id != id))
        {
            return false;
        }

        RefuseDuplicate(existing, canonical, id);
        var data = JsonSerializer.Serialize(canonical);
        var now = clock.GetUtcNow().UtcDateTime;
        await db.Policies.Where(p => p.Id == id && p.Kind == PolicyKind)
            .ExecuteUpdateAsync(s => s.SetProperty(p => p.Data, data).SetProperty(p => p.UpdatedAt, now), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        cache.Forget(project.Name);
        return true;
    }

    /// <summary>Deletes rule <paramref name="id"/> of <paramref name="project"/>; false when it has no such rule.</summary>
    public async Task<bool> DeleteAsync(Project project, long id, CancellationToken cancellationToken)
    {
        var deleted = await db.Policies.Where(p => p.Id == id && p.Kind == PolicyKind && p.ProjectId == project.Id).ExecuteDeleteAsync(cancellationToken);
        cache.Forget(project.Name);
        return deleted > 0;
    }

    private static void RefuseDuplicate(List<ImmutableRule> existing, ImmutableRule canonical, long exceptId)
    {
        var identity = ImmutableRuleValidator.Identity(canonical);
        if (existing.FirstOrDefault(r => r.Id != exceptId && ImmutableRuleValidator.Identity(r) == identity) is { } same)
        {
            throw ApiException.Conflict(string.Create(CultureInfo.InvariantCulture,
                $"the project has the same immutability rule already: rule {same.Id} selects the same repositories and tags"));
        }
    }

    private static ImmutableRule Read(long id, long projectId, string data)
    {
        var rule = JsonSerializer.Deserialize<ImmutableRule>(data) ?? throw new InvalidOperationException($"immutability rule {id} holds no JSON");
        rule.Id = id;
        rule.ProjectId = projectId;
        return rule;
    }
}
