using Berth.Data;
using Berth.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace Berth.Projects;

/// <summary>A project's metadata entries beside <c>public</c> (<c>retention_id</c>, …), as Harbor keeps them: names with string values.</summary>
public sealed class ProjectMetadataStore(BerthDbContext db, TimeProvider clock)
{
    /// <summary>Harbor's link from a project to its tag retention policy.</summary>
    public const string RetentionId = "retention_id";

    public async Task<string?> GetAsync(long projectId, string name, CancellationToken cancellationToken) =>
        await db.ProjectMetadata.AsNoTracking().Where(m => m.ProjectId == projectId && m.Name == name).Select(m => m.Value)
            .FirstOrDefaultAsync(cancellationToken);

    public async Task<SortedDictionary<string, string>> ListAsync(long projectId, CancellationToken cancellationToken) =>
        new(await db.ProjectMetadata.AsNoTracking().Where(m => m.ProjectId == projectId).ToDictionaryAsync(m => m.Name, m => m.Value, cancellationToken),
            StringComparer.Ordinal);

    /// <summary>Adds an entry the project does not have yet.</summary>
    /// <returns>False when the project has one by that name already (also when another request added it at the same moment).</returns>
    public async Task<bool> TryAddAsync(long projectId, string name, string value, CancellationToken cancellationToken)
    {
        if (await db.ProjectMetadata.AnyAsync(m => m.ProjectId == projectId && m.Name == name, cancellationToken))
        {
            return false;
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var entry = new ProjectMetadata { ProjectId = projectId, Name = name, Value = value, CreatedAt = now, UpdatedAt = now };
        db.ProjectMetadata.Add(entry);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            return true;
        }
        catch (DbUpdateException)
        {
            // The unique (project, name) index: someone else's entry won.
            db.Entry(entry).State = EntityState.Detached;
            return false;
        }
    }

    public async Task RemoveAsync(long projectId, string name, CancellationToken cancellationToken) =>
        await db.ProjectMetadata.Where(m => m.ProjectId == projectId && m.Name == name).ExecuteDeleteAsync(cancellationToken);
}
