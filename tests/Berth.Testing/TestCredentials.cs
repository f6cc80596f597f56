using System.Text;
using Berth.Data.Entities;

namespace Berth.Testing;

/// <summary>The administrator every test server and process is started with, and the projects the tests push into.</summary>
public static class TestCredentials
{
    public const string AdminPassword = "Adm1n-test-password";

    public static string AdminAuthorization { get; } = Basic("admin", AdminPassword);

    /// <summary><c>admin:password</c>, as skopeo's and podman's <c>--creds</c> take it.</summary>
    public static string AdminCreds => "admin:" + AdminPassword;

    /// <summary>Projects the tests use, created private on every test server (library exists anyway, public).</summary>
    public static readonly string[] Projects =
    [
        "test", "private", "other", "src", "dst", "elsewhere", "empty", "gc", "lib", "shared", "proj", "fire", "purge",
        "a", "b", "c", "d", "crash", "drain", "cli", "team",
    ];

    /// <summary>Adds a user, and when <paramref name="project"/> is given makes it a member with <paramref name="role"/>.</summary>
    public static async Task<long> AddUserAsync(string dataDirectory, string name, string password, string? project = null,
        ProjectRole role = ProjectRole.Developer, bool sysAdmin = false)
    {
        await using var db = DataDirectory.Open(dataDirectory);
        var user = new User
        {
            Username = name,
            PasswordHash = FastHash(password),
            SysAdmin = sysAdmin,
            CreatedAt = DateTime.UtcNow,
            UpdatedAt = DateTime.UtcNow,
        };
        db.Users.Add(user);
        await db.SaveChangesAsync();
        if (project is not null)
        {
            var projectId = db.Projects.Single(p => p.Name == project).Id;
            db.ProjectMembers.Add(new ProjectMember { ProjectId = projectId, UserId = user.Id, Role = role, CreatedAt = DateTime.UtcNow, UpdatedAt = DateTime.UtcNow });
            await db.SaveChangesAsync();
        }

        return user.Id;
    }

    /// <summary>
    /// A password hash in the server's format (ASP.NET Identity v3) made with one PBKDF2 iteration instead of 100,000, for
    /// the users tests store directly: the server verifies a hash at the iteration count the hash itself records, so each
    /// test server's first sign-in of such a user costs microseconds instead of a tenth of a second of CPU.
    /// </summary>
    /// <remarks>Only for test data: every hash the server makes (users created through the API, changed passwords) is its own.</remarks>
    public static string FastHash(string password) => FastHasher.HashPassword(null!, password);

    private static readonly Microsoft.AspNetCore.Identity.PasswordHasher<User> FastHasher =
        new(Microsoft.Extensions.Options.Options.Create(new Microsoft.AspNetCore.Identity.PasswordHasherOptions { IterationCount = 1 }));

    public static string Basic(string user, string password) => "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}"));

    /// <summary>Creates <see cref="Projects"/> in a data directory's database (a running server sees them at once).</summary>
    public static async Task CreateProjectsAsync(string dataDirectory)
    {
        await using var db = DataDirectory.Open(dataDirectory);
        var existing = db.Projects.Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var name in Projects.Where(p => !existing.Contains(p)))
        {
            db.Projects.Add(new Project { Name = name, Public = false, CreatedAt = DateTime.UtcNow, UpdatedAt = DateTime.UtcNow });
        }

        await db.SaveChangesAsync();
    }
}
