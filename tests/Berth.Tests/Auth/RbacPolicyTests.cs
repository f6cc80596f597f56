using Berth.Auth;
using Berth.Data.Entities;

namespace Berth.Tests.Auth;

/// <summary>Harbor's role tables as the evaluator applies them: what each kind of caller may do in a project and system-wide.</summary>
public sealed class RbacPolicyTests
{
    [Theory]
    [InlineData(ProjectRole.ProjectAdmin, "delete,pull,push")]
    [InlineData(ProjectRole.Maintainer, "delete,pull,push")]
    [InlineData(ProjectRole.Developer, "pull,push")]
    [InlineData(ProjectRole.Guest, "pull")]
    [InlineData(ProjectRole.LimitedGuest, "pull")]
    public void Registry_actions_follow_the_role(ProjectRole role, string actions)
    {
        Assert.Equal(actions, string.Join(',', ProjectGrants.For(false, role, isPublic: false).RepositoryActions.Order(StringComparer.Ordinal)));
        Assert.Equal(actions, string.Join(',', ProjectGrants.For(false, role, isPublic: true).RepositoryActions.Order(StringComparer.Ordinal)));
    }

    [Fact]
    public void Outsiders_pull_from_public_projects_and_see_nothing_of_private_ones()
    {
        var outsiderPublic = ProjectGrants.For(false, null, isPublic: true);
        Assert.Equal(["pull"], outsiderPublic.RepositoryActions);
        Assert.True(outsiderPublic.Can(Rbac.Self, Rbac.Read));
        Assert.False(outsiderPublic.Can(Rbac.Member, Rbac.List));
        Assert.False(outsiderPublic.Can(Rbac.Quota, Rbac.Read));

        var outsiderPrivate = ProjectGrants.For(false, null, isPublic: false);
        Assert.Empty(outsiderPrivate.Permissions);
        Assert.Empty(outsiderPrivate.RepositoryActions);
    }

    [Theory]
    [InlineData(ProjectRole.ProjectAdmin, true, true, true)]
    [InlineData(ProjectRole.Maintainer, true, false, false)]
    [InlineData(ProjectRole.Developer, true, false, false)]
    [InlineData(ProjectRole.Guest, true, false, false)]
    [InlineData(ProjectRole.LimitedGuest, false, false, false)]
    public void Only_project_admins_manage_members_and_the_project(ProjectRole role, bool listMembers, bool addMembers, bool deleteProject)
    {
        var grants = ProjectGrants.For(false, role, isPublic: false);
        Assert.True(grants.Can(Rbac.Self, Rbac.Read));
        Assert.Equal(listMembers, grants.Can(Rbac.Member, Rbac.List));
        Assert.Equal(addMembers, grants.Can(Rbac.Member, Rbac.Create));
        Assert.Equal(deleteProject, grants.Can(Rbac.Self, Rbac.Delete));
        Assert.Equal(deleteProject, grants.Can(Rbac.Self, Rbac.Update));
    }

    [Fact]
    public void Administrators_hold_every_project_permission_whatever_their_role()
    {
        Assert.Same(ProjectGrants.Administrator, ProjectGrants.For(true, ProjectRole.LimitedGuest, isPublic: false));
        Assert.Equal(RbacPolicies.ProjectNamespace.ToHashSet(), ProjectGrants.Administrator.Permissions);
        foreach (var role in Enum.GetValues<ProjectRole>())
        {
            Assert.Subset(ProjectGrants.Administrator.Permissions.ToHashSet(), RbacPolicies.ForRole(role).ToHashSet());
        }
    }

    [Fact]
    public void The_tables_hold_no_duplicates_and_only_known_actions()
    {
        string[] actions = [Rbac.Create, Rbac.Read, Rbac.Update, Rbac.Delete, Rbac.List, Rbac.Pull, Rbac.Push, Rbac.Operate, Rbac.Stop];
        foreach (var table in Enum.GetValues<ProjectRole>().Select(RbacPolicies.ForRole).Append(RbacPolicies.PublicProject).Append(RbacPolicies.SystemLevel))
        {
            Assert.Equal(table.Count, table.Distinct().Count());
            Assert.All(table, p => Assert.Contains(p.Action, actions));
        }

        // Harbor's tables have 75 (project admin) and 53 (system) entries; a lost line shows here.
        Assert.Equal(75, RbacPolicies.ForRole(ProjectRole.ProjectAdmin).Count);
        Assert.Equal(53, RbacPolicies.SystemLevel.Count);
    }

    [Fact]
    public void System_permissions_belong_to_administrators_and_to_system_robots_given_them()
    {
        var admin = new Subject(SubjectKind.User, 1, "admin", true);
        var user = new Subject(SubjectKind.User, 2, "user", false);
        Assert.True(RbacEvaluator.CanInSystem(admin, Rbac.User, Rbac.List));
        Assert.True(RbacEvaluator.CanInSystem(admin, Rbac.Robot, Rbac.Create));
        Assert.False(RbacEvaluator.CanInSystem(user, Rbac.User, Rbac.List));
        Assert.False(RbacEvaluator.CanInSystem(Subject.Anonymous, Rbac.Project, Rbac.Create));

        var grants = new List<RobotGrant>
        {
            new(true, null, new Permission(Rbac.GarbageCollection, Rbac.List), Deny: false),
            new(true, null, new Permission(Rbac.User, Rbac.List), Deny: false),
            new(true, null, new Permission(Rbac.User, Rbac.List), Deny: true),
            new(false, 7, new Permission(Rbac.Catalog, Rbac.Read), Deny: false),
        };
        var robot = Subject.ForRobot(new RobotIdentity(1, null, grants, null), "robot$sys");
        Assert.True(RbacEvaluator.CanInSystem(robot, Rbac.GarbageCollection, Rbac.List));
        Assert.False(RbacEvaluator.CanInSystem(robot, Rbac.GarbageCollection, Rbac.Create));
        Assert.False(RbacEvaluator.CanInSystem(robot, Rbac.User, Rbac.List)); // denied wins
        Assert.False(RbacEvaluator.CanInSystem(robot, Rbac.Catalog, Rbac.Read)); // a project grant is not a system one
    }
}
