using System.Text.RegularExpressions;
using Berth.Api;
using Berth.Auth;
using Berth.Data;
using Berth.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace Berth.Robots;

/// <summary>Harbor's v2 robot accounts: creation with a generated secret, permissions, expiry, disabling, deletion.</summary>
/// <remarks>
/// Every operation asks the RBAC evaluator: system robots are managed with the system <c>robot</c> permission, project
/// robots with the <c>robot</c> permission in their project. A robot unknown or hidden from the caller answers like a
/// forbidden one. A robot creating or editing a robot can give only what it holds itself.
/// </remarks>
public sealed partial class RobotService(BerthDbContext db, RbacEvaluator rbac, CredentialCache credentials, Settings.SettingsStore settings, TimeProvider clock)
{
    public const string SystemLevel = "system";
    public const string ProjectLevel = "project";

    private const long MaxDurationDays = 1_000_000;

    public sealed record Created(Robot Robot, string Secret);

    public async Task<Created> CreateAsync(Subject caller, RobotCreateRequest request, CancellationToken cancellationToken)
    {
        if (!IsValidName(request.Name))
        {
            throw ApiException.BadRequest("name must match ^[a-z0-9]+(?:[._-][a-z0-9]+)*$ and be at most 255 characters");
        }

        var level = ReadLevel(request.Level);
        // Harbor's robot_token_duration when the request does not say.
        var duration = ReadDuration(request.Duration ?? (await settings.GetAsync(cancellationToken)).RobotTokenDurationDays);
        var (permissions, projectId, projectName) = await ResolvePermissionsAsync(caller, level, request.Permissions, Rbac.Create, null, cancellationToken);
        var stored = RobotNames.Stored(request.Name!, projectName);
        if (await db.Robots.AnyAsync(r => r.Name == stored, cancellationToken))
        {
            throw ApiException.Conflict($"the robot account {RobotNames.Full(stored)} already exists");
        }

        var now = clock.GetUtcNow();
        var secret = RobotNames.GenerateSecret();
        var robot = new Robot
        {
            Name = stored,
            Description = request.Description ?? "",
            SecretHash = Passwords.Hash(secret),
            Level = level,
            ProjectId = projectId,
            Duration = duration,
            ExpiresAt = ExpiresAt(now.UtcDateTime, duration),
            Disabled = request.Disable,
            CreatorType = caller.Robot is null ? "local" : "robot",
            CreatorRef = caller.Robot?.Id ?? caller.Id,
            Permissions = RobotPermissions.Serialize(permissions),
            CreatedAt = now.UtcDateTime,
            UpdatedAt = now.UtcDateTime,
        };
        db.Robots.Add(robot);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            throw ApiException.Conflict($"the robot account {RobotNames.Full(stored)} already exists");
        }

        return new Created(robot, secret);
    }

    /// <summary>The robot, if <paramref name="caller"/> may take <paramref name="action"/> on it.</summary>
    public async Task<Robot> GetAsync(Subject caller, long id, string action, CancellationToken cancellationToken)
    {
        var robot = await db.Robots.FirstOrDefaultAsync(r => r.Id == id, cancellationToken);
        if (robot is null)
        {
            throw RbacEvaluator.CanInSystem(caller, Rbac.Robot, Rbac.Read) ? ApiException.NotFound($"robot {id} not found") : ApiPrincipal.Refuse(caller);
        }

        await RequireAsync(caller, robot.Level, robot.ProjectId, action, cancellationToken);
        return robot;
    }

    /// <summary>
    /// Robots the caller may list: <c>q=Level=project,ProjectID=n</c> for one project's robots (its <c>robot</c>/<c>list</c>
    /// permission), anything else only with the system one. <c>name=~x</c> filters by name.
    /// </summary>
    public async Task<(List<Robot> Page, int Total)> ListAsync(Subject caller, string? q, ApiPaging paging, CancellationToken cancellationToken)
    {
        var filter = ParseQuery(q);
        var query = db.Robots.AsNoTracking();
        if (filter.Level is { } level)
        {
            query = query.Where(r => r.Level == level);
        }

        if (filter.ProjectId is { } projectId)
        {
            var access = await rbac.ProjectAsync(caller, projectId, cancellationToken);
            if (access is null || !access.Can(Rbac.Robot, Rbac.List))
            {
                throw access is null && caller.SysAdmin ? ApiException.NotFound($"project {projectId} not found") : ApiPrincipal.Refuse(caller);
            }

            query = query.Where(r => r.ProjectId == projectId);
        }
        else if (filter.Level == ProjectLevel)
        {
            throw ApiException.BadRequest("listing project robots needs ProjectID in q, as in q=Level=project,ProjectID=1");
        }
        else if (!RbacEvaluator.CanInSystem(caller, Rbac.Robot, Rbac.List))
        {
            throw ApiPrincipal.Refuse(caller);
        }

        if (filter.Name is { } name)
        {
            query = filter.Fuzzy ? query.Where(r => r.Name.Contains(name)) : query.Where(r => r.Name == name);
        }

        var total = await query.CountAsync(cancellationToken);
        var page = await query.OrderBy(r => r.Id).Skip(paging.Skip).Take(paging.PageSize).ToListAsync(cancellationToken);
        return (page, total);
    }

    /// <summary>Harbor's <c>PUT</c>: name and level must be the robot's own; description, duration, disable and permissions change.</summary>
    public async Task UpdateAsync(Subject caller, long id, RobotUpdateRequest request, CancellationToken cancellationToken)
    {
        var robot = await GetAsync(caller, id, Rbac.Update, cancellationToken);
        if (request.Name != RobotNames.Full(robot.Name) || request.Level != robot.Level)
        {
            throw ApiException.BadRequest($"name and level must stay {RobotNames.Full(robot.Name)} and {robot.Level}");
        }

        var duration = ReadDuration(request.Duration ?? robot.Duration);
        var project = robot.ProjectId;
        var (permissions, _, _) = await ResolvePermissionsAsync(caller, robot.Level, request.Permissions, Rbac.Update, project, cancellationToken);
        robot.Description = request.Description ?? "";
        robot.Disabled = request.Disable;
        robot.Duration = duration;
        robot.ExpiresAt = ExpiresAt(robot.CreatedAt, duration);
        robot.Permissions = RobotPermissions.Serialize(permissions);
        robot.UpdatedAt = clock.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync(cancellationToken);
        credentials.Forget(RobotNames.Full(robot.Name));
    }

    /// <summary>A new secret: generated and returned when none is given, else the given one if strong enough (and nothing returned).</summary>
    public async Task<string> RefreshSecretAsync(Subject caller, long id, RobotSecretRequest request, CancellationToken cancellationToken)
    {
        var robot = await GetAsync(caller, id, Rbac.Update, cancellationToken);
        var chosen = !string.IsNullOrEmpty(request.Secret);
        if (chosen && !RobotNames.IsStrongSecret(request.Secret!))
        {
            throw ApiException.BadRequest("a secret must be 8 to 128 characters with an upper-case letter, a lower-case letter and a digit");
        }

        var secret = chosen ? request.Secret! : RobotNames.GenerateSecret();
        robot.SecretHash = Passwords.Hash(secret);
        robot.UpdatedAt = clock.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync(cancellationToken);
        credentials.Forget(RobotNames.Full(robot.Name));
        return chosen ? "" : secret;
    }

    public async Task DeleteAsync(Subject caller, long id, CancellationToken cancellationToken)
    {
        var robot = await GetAsync(caller, id, Rbac.Delete, cancellationToken);
        db.Robots.Remove(robot);
        await db.SaveChangesAsync(cancellationToken);
        credentials.Forget(RobotNames.Full(robot.Name));
    }

    public static bool IsValidName(string? name) => name is { Length: > 0 and <= 255 } && NameGrammar().IsMatch(name);

    private async Task RequireAsync(Subject caller, string level, long? projectId, string action, CancellationToken cancellationToken)
    {
        if (RbacEvaluator.CanInSystem(caller, Rbac.Robot, action))
        {
            return;
        }

        if (level == ProjectLevel && projectId is { } id && await rbac.ProjectAsync(caller, id, cancellationToken) is { } access
            && access.Can(Rbac.Robot, action))
        {
            return;
        }

        throw ApiPrincipal.Refuse(caller);
    }

    /// <summary>
    /// Checks permissions against Harbor's rules and the caller's rights, resolving project namespaces to ids.
    /// A project robot has exactly one <c>project</c> permission, on its own project; a system robot any number of
    /// <c>system</c> (namespace <c>/</c>) and <c>project</c> ones (a project name, or <c>*</c> for every project).
    /// </summary>
    private async Task<(List<RobotPermissionBody> Permissions, long? ProjectId, string? ProjectName)> ResolvePermissionsAsync(
        Subject caller, string level, List<RobotPermissionBody>? requested, string action, long? fixedProject, CancellationToken cancellationToken)
    {
        if (requested is not { Count: > 0 })
        {
            throw ApiException.BadRequest("permissions must list at least one permission");
        }

        if (level == ProjectLevel && (requested.Count != 1 || requested[0].Kind != RobotPermissions.ProjectKind))
        {
            throw ApiException.BadRequest("a project robot needs exactly one permission of kind project, naming its project");
        }

        var resolved = new List<RobotPermissionBody>();
        long? projectId = null;
        string? projectName = null;
        foreach (var permission in requested)
        {
            var access = ReadAccess(permission);
            switch (permission.Kind)
            {
                case RobotPermissions.SystemKind when level == SystemLevel:
                    if (permission.Namespace != "/")
                    {
                        throw ApiException.BadRequest("a system permission's namespace must be \"/\"");
                    }

                    RequireAllowed(permission.Kind, access, Rbac.RobotSystemPermissions, "system");
                    if (!RbacEvaluator.CanInSystem(caller, Rbac.Robot, action))
                    {
                        throw ApiPrincipal.Refuse(caller);
                    }

                    RequireHeld(caller, permission.Kind, access, p => RbacEvaluator.CanInSystem(caller, p.Resource, p.Action));
                    resolved.Add(new RobotPermissionBody { Kind = permission.Kind, Namespace = "/", Access = access });
                    break;

                case RobotPermissions.ProjectKind when permission.Namespace == "*" && level == SystemLevel:
                    RequireAllowed(permission.Kind, access, Rbac.RobotProjectPermissions, "project");
                    if (!RbacEvaluator.CanInSystem(caller, Rbac.Robot, action))
                    {
                        throw ApiPrincipal.Refuse(caller);
                    }

                    RequireHeld(caller, permission.Kind, access, p => caller.Robot is null || caller.Robot.Grants.Any(g =>
                        !g.System && g.ProjectId is null && !g.Deny && g.Permission == p));
                    resolved.Add(new RobotPermissionBody { Kind = permission.Kind, Namespace = "*", Access = access });
                    break;

                case RobotPermissions.ProjectKind:
                    RequireAllowed(permission.Kind, access, Rbac.RobotProjectPermissions, "project");
                    var project = permission.Namespace is { Length: > 0 } name ? await rbac.ProjectAsync(caller, name, cancellationToken) : null;
                    var system = RbacEvaluator.CanInSystem(caller, Rbac.Robot, action);
                    if (project is null)
                    {
                        // Only those who manage every robot learn that a project does not exist.
                        throw system ? ApiException.BadRequest($"project {permission.Namespace} not found") : ApiPrincipal.Refuse(caller);
                    }

                    if (!(system || (level == ProjectLevel && project.Can(Rbac.Robot, action))))
                    {
                        throw ApiPrincipal.Refuse(caller);
                    }

                    if (fixedProject is { } own && level == ProjectLevel && project.ProjectId != own)
                    {
                        throw ApiException.BadRequest("a project robot cannot move to another project");
                    }

                    RequireHeld(caller, permission.Kind, access, p => caller.Robot is null || project.Permissions.Contains(p));
                    projectId = project.ProjectId;
                    projectName = project.Name;
                    resolved.Add(new RobotPermissionBody { Kind = permission.Kind, Namespace = project.Name, ProjectId = project.ProjectId, Access = access });
                    break;

                default:
                    throw ApiException.BadRequest($"a {level} robot cannot hold a permission of kind '{permission.Kind}'");
            }
        }

        return level == ProjectLevel ? (resolved, projectId, projectName) : (resolved, null, null);
    }

    private static List<RobotAccessBody> ReadAccess(RobotPermissionBody permission)
    {
        if (permission.Access is not { Count: > 0 } access)
        {
            throw ApiException.BadRequest("each permission must list at least one access");
        }

        return access.Select(a => new RobotAccessBody
        {
            Resource = a.Resource,
            Action = a.Action,
            Effect = string.IsNullOrEmpty(a.Effect) ? RobotPermissions.Allow
                : a.Effect is RobotPermissions.Allow or RobotPermissions.Deny ? a.Effect
                : throw ApiException.BadRequest($"effect must be allow or deny, not '{a.Effect}'"),
        }).ToList();
    }

    private static void RequireAllowed(string? kind, List<RobotAccessBody> access, IReadOnlySet<Permission> allowed, string scope)
    {
        foreach (var a in access)
        {
            if (!allowed.Contains(RobotPermissions.PermissionOf(kind, a)))
            {
                throw ApiException.BadRequest($"{a.Resource}:{a.Action} is not a {scope} permission a robot can hold");
            }
        }
    }

    /// <summary>A robot gives only what it holds; users are bound by the management permission checked before.</summary>
    private static void RequireHeld(Subject caller, string? kind, List<RobotAccessBody> access, Func<Permission, bool> holds)
    {
        if (caller.Robot is not null && access.Any(a => a.Effect == RobotPermissions.Allow && !holds(RobotPermissions.PermissionOf(kind, a))))
        {
            throw ApiException.Forbidden();
        }
    }

    private static string ReadLevel(string? level) => level is SystemLevel or ProjectLevel
        ? level
        : throw ApiException.BadRequest("level must be system or project");

    private static long ReadDuration(long duration) => duration switch
    {
        -1 => -1,
        > 0 and <= MaxDurationDays => duration,
        _ => throw ApiException.BadRequest($"duration must be -1 (never expires) or a number of days from 1 to {MaxDurationDays}"),
    };

    private static long ExpiresAt(DateTime created, long duration) =>
        duration == -1 ? -1 : new DateTimeOffset(DateTime.SpecifyKind(created, DateTimeKind.Utc)).ToUnixTimeSeconds() + duration * 86_400;

    private sealed record Query(string? Level, long? ProjectId, string? Name, bool Fuzzy);

    /// <summary>The robot list's <c>q</c>: <c>Level=system|project</c>, <c>ProjectID=n</c>, <c>name=x</c> or <c>name=~x</c>.</summary>
    private static Query ParseQuery(string? q)
    {
        var query = new Query(null, null, null, false);
        foreach (var pair in (q ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            var key = equals > 0 ? pair[..equals] : throw ApiException.BadRequest($"q: '{pair}' is not key=value");
            var value = pair[(equals + 1)..];
            query = key.ToUpperInvariant() switch
            {
                "LEVEL" when value is SystemLevel or ProjectLevel => query with { Level = value },
                "PROJECTID" when long.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var id) =>
                    query with { ProjectId = id },
                "NAME" when value.StartsWith('~') => query with { Name = value[1..], Fuzzy = true },
                "NAME" => query with { Name = value.StartsWith(RobotNames.Prefix, StringComparison.Ordinal) ? value[RobotNames.Prefix.Length..] : value },
                _ => throw ApiException.BadRequest($"q: '{pair}' is not a robot filter (Level, ProjectID, name)"),
            };
        }

        return query;
    }

    [GeneratedRegex("^[a-z0-9]+(?:[._-][a-z0-9]+)*$", RegexOptions.CultureInvariant)]
    private static partial Regex NameGrammar();
}
