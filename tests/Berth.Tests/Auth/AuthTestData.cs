using Berth.Data.Entities;
using Berth.Testing;

namespace Berth.Tests.Auth;

/// <summary>Users, projects and memberships written straight into a server's database (the API for them comes later).</summary>
internal static class AuthTestData
{
    public const string AdminPassword = "Adm1n-test-password";

    public static Dictionary<string, string?> Settings(Dictionary<string, string?>? more = null)
    {
        var settings = new Dictionary<string, string?> { ["Admin:Password"] = AdminPassword };
        foreach (var (key, value) in more ?? [])
        {
            settings[key] = value;
        }

        return settings;
    }

    public static Task<long> AddUserAsync(BerthServer server, string name, string password, bool sysAdmin = false) =>
        TestCredentials.AddUserAsync(server.DataDirectory, name, password, sysAdmin: sysAdmin);

    public static async Task<long> AddProjectAsync(BerthServer server, string name, bool isPublic)
    {
        await using var db = DataDirectory.Open(server.DataDirectory);
        var project = new Project { Name = name, Public = isPublic, CreatedAt = DateTime.UtcNow, UpdatedAt = DateTime.UtcNow };
        db.Projects.Add(project);
        await db.SaveChangesAsync();
        return project.Id;
    }

    public static async Task AddMemberAsync(BerthServer server, long projectId, long userId, ProjectRole role)
    {
        await using var db = DataDirectory.Open(server.DataDirectory);
        db.ProjectMembers.Add(new ProjectMember { ProjectId = projectId, UserId = userId, Role = role, CreatedAt = DateTime.UtcNow, UpdatedAt = DateTime.UtcNow });
        await db.SaveChangesAsync();
    }

    public static string Basic(string user, string password) => TestCredentials.Basic(user, password);
}
