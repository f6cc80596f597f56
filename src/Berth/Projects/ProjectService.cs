using System.Globalization;
using System.Text.RegularExpressions;
using Berth.Api;
using Berth.Api.Query;
using Berth.Auth;
using Berth.Data;
using Berth.Data.Entities;
using Berth.Events;
using Microsoft.EntityFrameworkCore;

namespace Berth.Projects;

/// <summary>A project as the API shows it to one caller, with its metadata entries beside <c>public</c> (<c>retention_id</c>, …).</summary>
public sealed record ProjectView(Project Project, string? OwnerName, ProjectRole? Role, int RepoCount, IReadOnlyDictionary<string, string> Metadata);

/// <summary>Harbor's <c>ProjectSummary</c>; <see cref="MembersByRole"/> is null when the caller may not list members, <see cref="Quota"/> when it may not read the quota.</summary>
public sealed record ProjectSummary(int RepoCount, IReadOnlyDictionary<ProjectRole, int>? MembersByRole, (long Hard, long Used)? Quota);

/// <summary>Projects: creation, visibility, metadata and deletion, each decided by the RBAC evaluator for the calling subject.</summary>
public sealed partial class ProjectService(BerthDbContext db, RbacEvaluator rbac, Settings.SettingsStore settings, EventLog events, TimeProvider clock)
{
    /// <summary>What <c>q=</c> and <c>sort=</c> may name on <c>GET /projects</c>: Harbor's filterable project columns that Berth has.</summary>
    private static readonly QueryFields<ProjectRow> ListFields = new QueryFields<ProjectRow>()
        .Number("project_id", r => r.Project.Id)
        .Text("name", r => r.Project.Name)
        .Boolean("public", r => r.Project.Public)
        .Number("owner_id", r => r.Project.OwnerId ?? 0)
        .Text("owner", r => r.OwnerName ?? "")
        .Time("creation_time", r => r.Project.CreatedAt)
        .Time("update_time", r => r.Project.UpdatedAt)
        .Sortable("project_id", r => r.Project.Id)
        .Sortable("name", r => r.Project.Name)
        .Sortable("owner_id", r => r.Project.OwnerId)
        .Sortable("creation_time", r => r.Project.CreatedAt)
        .Sortable("update_time", r => r.Project.UpdatedAt)
        .DefaultOrder("project_id", new QuerySort("name", false));

    /// <summary>Harbor's project name rule: <c>^[a-z0-9]+(?:[._-][a-z0-9]+)*$</c>, 1 to 255 characters.</summary>
    public static bool IsValidName(string? name) => name is { Length: > 0 and <= 255 } && NameGrammar().IsMatch(name);

    public async Task<Project> CreateAsync(Subject subject, ProjectRequest request, CancellationToken cancellationToken)
    {
        if (subject.Robot is not null && !RbacEvaluator.CanInSystem(subject, Rbac.Project, Rbac.Create))
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

        if (request.StorageLimit is { } requested && requested != 0 && !QuotaService.IsValidLimit(requested))
        {
            throw ApiException.BadRequest($"storage_limit must be -1 (no limit) or from 1 to {Settings.SystemSettings.MaxStorageLimit} bytes");
        }

        // As in Harbor, only a system administrator chooses the limit; everyone else's project gets storage_per_project.
        var storageLimit = subject.SysAdmin && request.StorageLimit is { } chosen && chosen != 0
            ? chosen
            : (await settings.GetAsync(cancellationToken)).StoragePerProject;

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
        }

        db.Quotas.Add(new Quota { ProjectId = project.Id, Hard = storageLimit, CreatedAt = now, UpdatedAt = now });
        events.Add(EventTypes.CreateProject, EventData.ForProject(name), project.Id);
        await db.SaveChangesAsync(cancellationToken);

        await transaction.CommitAsync(cancellationToken);
        return project;
    }

    /// <summary>The project named or numbered <paramref name="nameOrId"/>, if <paramref name="subject"/> may take <paramref name="action"/> on <paramref name="resource"/> there.</summary>
    /// <remarks>
    /// An unknown project and one the caller may not see get the same answer (401 or 403), so names cannot be probed;
    /// administrators, who see everything, get 404. A visible project where the action is not allowed is 401 or 403.
    /// </remarks>
    public async Task<ProjectAccess> RequireAsync(Subject subject, string nameOrId, bool isName, string resource, string action,
        CancellationToken cancellationToken)
    {
        var access = !isName && long.TryParse(nameOrId, NumberStyles.None, CultureInfo.InvariantCulture, out var id)
            ? await rbac.ProjectAsync(subject, id, cancellationToken)
            : await rbac.ProjectAsync(subject, nameOrId, cancellationToken);
        if (access is null || !access.Visible)
        {
            throw subject.SysAdmin ? ApiException.NotFound($"project {nameOrId} not found") : ApiPrincipal.Refuse(subject);
        }

        return access.Can(resource, action) ? access : throw ApiPrincipal.Refuse(subject);
    }

    /// <summary>The project if <paramref name="subject"/> may see it, with its owner's name and repository count.</summary>
    public async Task<ProjectView> GetVisibleAsync(Subject subject, string nameOrId, bool isName, CancellationToken cancellationToken)
    {
        var access = await RequireAsync(subject, nameOrId, isName, Rbac.Self, Rbac.Read, cancellationToken);
        var project = access.Project;
        var owner = project.OwnerId is { } ownerId
            ? await db.Users.AsNoTracking().Where(u => u.Id == ownerId).Select(u => u.Username).FirstOrDefaultAsync(cancellationToken)
            : null;
        var repos = await RepositoryCountsAsync([project.Name], cancellationToken);
        var metadata = await MetadataAsync([project.Id], cancellationToken);
        return new ProjectView(project, owner, access.Role, repos.GetValueOrDefault(project.Name), metadata.GetValueOrDefault(project.Id) ?? NoMetadata);
    }

    /// <summary>Projects <paramref name="subject"/> may see (all for administrators, else public ones and their own), filtered and sorted by <paramref name="query"/>.</summary>
    /// <remarks>Three queries whatever the page size: the count, the page with each project's owner and the caller's role, the repository counts.</remarks>
    public async Task<(List<ProjectView> Page, int Total)> ListAsync(Subject subject, HarborQuery query, ApiPaging paging, CancellationToken cancellationToken)
    {
        var projects = db.Projects.AsNoTracking();
        var userId = subject.IsAnonymous ? -1 : subject.Id;
        if (!subject.SysAdmin)
        {
            projects = projects.Where(p => p.Public || db.ProjectMembers.Any(m => m.ProjectId == p.Id && m.UserId == userId));
        }

        var rows = ListFields.Filter(
            from p in projects
            select new ProjectRow
            {
                Project = p,
                OwnerName = db.Users.Where(u => u.Id == p.OwnerId).Select(u => u.Username).FirstOrDefault(),
                Role = db.ProjectMembers.Where(m => m.ProjectId == p.Id && m.UserId == userId).Select(m => (ProjectRole?)m.Role).FirstOrDefault(),
            },
            query);
        var total = await rows.CountAsync(cancellationToken);
        if (total <= paging.Skip)
        {
            return ([], total);
        }

        var page = await ListFields.Sort(rows, query).Skip(paging.Skip).Take(paging.PageSize).ToListAsync(cancellationToken);
        var repos = await RepositoryCountsAsync(page.Select(r => r.Project.Name).ToList(), cancellationToken);
        var metadata = await MetadataAsync(page.Select(r => r.Project.Id).ToList(), cancellationToken);
        return (page.Select(r => new ProjectView(r.Project, r.OwnerName, r.Role, repos.GetValueOrDefault(r.Project.Name),
            metadata.GetValueOrDefault(r.Project.Id) ?? NoMetadata)).ToList(), total);
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

    /// <summary>Harbor's <c>_deletable</c>: a project that still holds repositories cannot be deleted; the message says why.</summary>
    public async Task<(bool Deletable, string? Message)> DeletableAsync(Project project, CancellationToken cancellationToken) =>
        (await RepositoryCountsAsync([project.Name], cancellationToken)).GetValueOrDefault(project.Name) > 0
            ? (false, "the project contains repositories, can not be deleted")
            : (true, null);

    /// <summary>Deletes an empty project; one that still holds repositories answers 412, as Harbor does.</summary>
    public async Task DeleteAsync(Project project, CancellationToken cancellationToken)
    {
        if (await DeletableAsync(project, cancellationToken) is (false, var message))
        {
            throw ApiException.Precondition(message!);
        }

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await db.Projects.Where(p => p.Id == project.Id).ExecuteDeleteAsync(cancellationToken);
        await events.AddAsync(EventTypes.DeleteProject, EventData.ForProject(project.Name), cancellationToken, project.Id);
        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>Harbor's project summary: repositories, and members per role when the caller may list members.</summary>
    public async Task<ProjectSummary> SummaryAsync(ProjectAccess access, CancellationToken cancellationToken)
    {
        var project = access.Project;
        var repos = (await RepositoryCountsAsync([project.Name], cancellationToken)).GetValueOrDefault(project.Name);
        (long Hard, long Used)? quota = null;
        if (access.Can(Rbac.Quota, Rbac.Read))
        {
            var row = await db.Quotas.AsNoTracking().Where(q => q.ProjectId == project.Id).Select(q => new { q.Hard, q.Used }).FirstOrDefaultAsync(cancellationToken);
            quota = row is null ? (-1, 0) : (row.Hard, row.Used);
        }

        if (!access.Can(Rbac.Member, Rbac.List))
        {
            return new ProjectSummary(repos, null, quota);
        }

        var members = await db.ProjectMembers.AsNoTracking().Where(m => m.ProjectId == project.Id)
            .GroupBy(m => m.Role).Select(g => new { Role = g.Key, Count = g.Count() })
            .ToDictionaryAsync(g => g.Role, g => g.Count, cancellationToken);
        return new ProjectSummary(repos, Enum.GetValues<ProjectRole>().ToDictionary(r => r, r => members.GetValueOrDefault(r)), quota);
    }

    private static readonly IReadOnlyDictionary<string, string> NoMetadata = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>The metadata entries beside <c>public</c> (<c>retention_id</c>, …) of each project, in one query.</summary>
    private async Task<Dictionary<long, IReadOnlyDictionary<string, string>>> MetadataAsync(List<long> projects, CancellationToken cancellationToken)
    {
        if (projects.Count == 0)
        {
            return [];
        }

        var rows = await db.ProjectMetadata.AsNoTracking().Where(m => projects.Contains(m.ProjectId)).ToListAsync(cancellationToken);
        return rows.GroupBy(m => m.ProjectId).ToDictionary(g => g.Key,
            g => (IReadOnlyDictionary<string, string>)g.ToDictionary(m => m.Name, m => m.Value, StringComparer.Ordinal));
    }

    /// <summary>How many repositories that hold artifacts each named project has, in one query.</summary>
    /// <remarks>A repository belongs to the project its name starts with; project names hold no <c>/</c>.</remarks>
    private async Task<Dictionary<string, int>> RepositoryCountsAsync(List<string> projects, CancellationToken cancellationToken)
    {
        if (projects.Count == 0)
        {
            return [];
        }

        return await db.Repositories.AsNoTracking()
            .Where(r => db.Artifacts.Any(a => a.RepositoryId == r.Id))
            .Select(r => r.Name.Substring(0, r.Name.IndexOf(Repository.ProjectSeparator)))
            .Where(project => projects.Contains(project))
            .GroupBy(project => project)
            .Select(g => new { Project = g.Key, Count = g.Count() })
            .ToDictionaryAsync(g => g.Project, g => g.Count, StringComparer.Ordinal, cancellationToken);
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

    /// <summary>A listed project with what the list shows beside it; built with an initializer so that queries can filter on it.</summary>
    private sealed class ProjectRow
    {
        public required Project Project { get; init; }

        public string? OwnerName { get; init; }

        public ProjectRole? Role { get; init; }
    }
}
