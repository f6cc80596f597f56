using System.Text.RegularExpressions;
using Berth.Api;
using Berth.Auth;
using Berth.Data;
using Berth.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace Berth.Projects;

/// <summary>A project as the API shows it to one caller, with its metadata entries beside <c>public</c> (<c>retention_id</c>, …).</summary>
public sealed record ProjectView(Project Project, string? OwnerName, ProjectRole? Role, int RepoCount, IReadOnlyDictionary<string, string> Metadata);

/// <summary>Projects: creation, visibility, metadata and deletion, each decided for the calling subject.</summary>
public sealed partial class ProjectService(BerthDbContext db, TimeProvider clock)
{
    /// <summary>Harbor's project name rule: <c>^[a-z0-9]+(?:[._-][a-z0-9]+)*$</c>, 1 to 255 characters.</summary>
    public static bool IsValidName(string? name) => name is { Length: > 0 and <= 255 } && NameGrammar().IsMatch(name);

    public async Task<Project> CreateAsync(Subject subject, ProjectRequest request, CancellationToken cancellationToken)
    {
        if (subject.Robot is not null && !RbacEvaluator.CanSystem(subject, Rbac.Project, Rbac.Create))
        {
            throw ApiException.Forbidden();
        }

        if (!IsValidName(request.ProjectName))
        {
            throw ApiException.BadRequest("project_name must match ^[a-z0-9]+(?:[._-][a-z0-9]+)*$ and be at most 255 characters");
        }

        if (request.RegistryId is > 0)
        {
            throw ApiException.BadRequest("proxy cache projects (registry_id) are not supported yet");
        }

        if (request.Metadata?.GetValueOrDefault(ProjectMetadataStore.RetentionId) is { Length: > 0 })
        {
            throw ApiException.BadRequest("metadata.retention_id cannot be set on a new project; create the policy with POST /retentions");
        }

        var name = request.ProjectName!;
        if (await db.Projects.AnyAsync(p => p.Name == name, cancellationToken))
        {
            throw ApiException.Conflict($"the project named {name} already exists");
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var owner = subject.IsUser ? subject.Id : (long?)null;
        var project = new Project { Name = name, Public = ReadPublic(request) ?? false, OwnerId = owner, CreatedAt = now, UpdatedAt = now };
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        db.Projects.Add(project);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            throw ApiException.Conflict($"the project named {name} already exists");
        }

        // The creating user administers the project, as in Harbor; a robot is not a member of anything.
        if (owner is { } userId)
        {
            db.ProjectMembers.Add(new ProjectMember { ProjectId = project.Id, UserId = userId, Role = ProjectRole.ProjectAdmin, CreatedAt = now, UpdatedAt = now });
            await db.SaveChangesAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return project;
    }

    /// <summary>The project named or numbered <paramref name="nameOrId"/> if <paramref name="subject"/> may see it.</summary>
    /// <remarks>An unknown project and a hidden one get the same answer, so names cannot be probed; administrators see 404.</remarks>
    public async Task<ProjectView> GetVisibleAsync(Subject subject, string nameOrId, bool isName, CancellationToken cancellationToken)
    {
        var project = await FindAsync(nameOrId, isName, cancellationToken);
        var role = project is null ? null : await RoleAsync(subject, project.Id, cancellationToken);
        if (project is null || !(subject.SysAdmin || project.Public || role is not null))
        {
            throw subject.SysAdmin ? ApiException.NotFound($"project {nameOrId} not found") : ApiPrincipal.Refuse(subject);
        }

        return await ViewAsync(project, role, cancellationToken);
    }

    /// <summary>The project if <paramref name="subject"/> administers it (project admin or system administrator).</summary>
    public async Task<Project> GetAdministeredAsync(Subject subject, string nameOrId, bool isName, CancellationToken cancellationToken)
    {
        var view = await GetVisibleAsync(subject, nameOrId, isName, cancellationToken);
        return subject.SysAdmin || view.Role == ProjectRole.ProjectAdmin ? view.Project : throw ApiPrincipal.Refuse(subject);
    }

    /// <summary>Projects <paramref name="subject"/> may see: all for administrators, else public ones and their own.</summary>
    public async Task<(List<ProjectView> Page, int Total)> ListAsync(Subject subject, string? name, bool? isPublic, ApiPaging paging,
        CancellationToken cancellationToken)
    {
        var query = db.Projects.AsNoTracking();
        if (!subject.SysAdmin)
        {
            var userId = subject.IsAnonymous ? -1 : subject.Id;
            query = query.Where(p => p.Public || db.ProjectMembers.Any(m => m.ProjectId == p.Id && m.UserId == userId));
        }

        if (!string.IsNullOrEmpty(name))
        {
            query = query.Where(p => p.Name.Contains(name));
        }

        if (isPublic is { } wanted)
        {
            query = query.Where(p => p.Public == wanted);
        }

        var total = await query.CountAsync(cancellationToken);
        var projects = await query.OrderBy(p => p.Name).Skip(paging.Skip).Take(paging.PageSize).ToListAsync(cancellationToken);
        var views = new List<ProjectView>(projects.Count);
        foreach (var project in projects)
        {
            views.Add(await ViewAsync(project, await RoleAsync(subject, project.Id, cancellationToken), cancellationToken));
        }

        return (views, total);
    }

    public async Task<bool> ExistsAsync(string name, CancellationToken cancellationToken) =>
        await db.Projects.AnyAsync(p => p.Name == name, cancellationToken);

    /// <summary>Updates what <c>PUT</c> may change: the metadata (<c>public</c>).</summary>
    /// <remarks><c>retention_id</c> belongs to <c>/retentions</c>: sending it back unchanged is fine, changing it is a 400 as in Harbor.</remarks>
    public async Task UpdateAsync(Project project, ProjectRequest request, CancellationToken cancellationToken)
    {
        if (request.Metadata is { } metadata && metadata.TryGetValue(ProjectMetadataStore.RetentionId, out var retentionId))
        {
            var current = await db.ProjectMetadata.AsNoTracking()
                .Where(m => m.ProjectId == project.Id && m.Name == ProjectMetadataStore.RetentionId).Select(m => m.Value).FirstOrDefaultAsync(cancellationToken);
            if ((retentionId ?? "") != (current ?? ""))
            {
                throw ApiException.BadRequest($"metadata.retention_id is {(current is null ? "not set" : current)}; it changes only through /retentions");
            }
        }

        if (ReadPublic(request) is { } isPublic)
        {
            await db.Projects.Where(p => p.Id == project.Id).ExecuteUpdateAsync(s => s
                .SetProperty(p => p.Public, isPublic)
                .SetProperty(p => p.UpdatedAt, clock.GetUtcNow().UtcDateTime), cancellationToken);
        }
    }

    /// <summary>Deletes an empty project; one that still holds artifacts answers 412, as Harbor does.</summary>
    public async Task DeleteAsync(Project project, CancellationToken cancellationToken)
    {
        var prefix = project.Name + "/";
        if (await db.Artifacts.AnyAsync(a => a.Repository!.Name.StartsWith(prefix), cancellationToken))
        {
            throw ApiException.Precondition($"the project {project.Name} still holds repositories; delete them first");
        }

        await db.Projects.Where(p => p.Id == project.Id).ExecuteDeleteAsync(cancellationToken);
    }

    private async Task<Project?> FindAsync(string nameOrId, bool isName, CancellationToken cancellationToken) =>
        !isName && long.TryParse(nameOrId, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var id)
            ? await db.Projects.AsNoTracking().FirstOrDefaultAsync(p => p.Id == id, cancellationToken)
            : await db.Projects.AsNoTracking().FirstOrDefaultAsync(p => p.Name == nameOrId, cancellationToken);

    private async Task<ProjectRole?> RoleAsync(Subject subject, long projectId, CancellationToken cancellationToken) =>
        subject.IsAnonymous ? null : await db.ProjectMembers.AsNoTracking()
            .Where(m => m.ProjectId == projectId && m.UserId == subject.Id).Select(m => (ProjectRole?)m.Role).FirstOrDefaultAsync(cancellationToken);

    private async Task<ProjectView> ViewAsync(Project project, ProjectRole? role, CancellationToken cancellationToken)
    {
        var owner = project.OwnerId is { } ownerId
            ? await db.Users.AsNoTracking().Where(u => u.Id == ownerId).Select(u => u.Username).FirstOrDefaultAsync(cancellationToken)
            : null;
        var prefix = project.Name + "/";
        var repos = await db.Repositories.AsNoTracking().CountAsync(r => r.Name.StartsWith(prefix) && db.Artifacts.Any(a => a.RepositoryId == r.Id),
            cancellationToken);
        var metadata = await db.ProjectMetadata.AsNoTracking().Where(m => m.ProjectId == project.Id)
            .ToDictionaryAsync(m => m.Name, m => m.Value, StringComparer.Ordinal, cancellationToken);
        return new ProjectView(project, owner, role, repos, metadata);
    }

    private static bool? ReadPublic(ProjectRequest request)
    {
        if (request.Metadata is { } metadata && metadata.TryGetValue("public", out var value) && value is not null)
        {
            return bool.TryParse(value, out var parsed) ? parsed : throw ApiException.BadRequest("metadata.public must be \"true\" or \"false\"");
        }

        return request.Public;
    }

    [GeneratedRegex("^[a-z0-9]+(?:[._-][a-z0-9]+)*$", RegexOptions.CultureInvariant)]
    private static partial Regex NameGrammar();
}
