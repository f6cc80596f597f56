using Berth.Data;
using Berth.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Berth.Auth;

/// <summary>
/// First start: the <c>admin</c> account and the public <c>library</c> project, as Harbor has them, and the
/// installation's token-signing key. There is no default password.
/// </summary>
public sealed partial class IdentityBootstrap(
    IServiceScopeFactory scopes, SigningKeyStore keys, IOptions<AdminOptions> admin, TimeProvider clock, ILogger<IdentityBootstrap> logger)
    : IHostedService
{
    public const string AdminName = "admin";
    public const string LibraryProject = "library";

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<BerthDbContext>();
        var now = clock.GetUtcNow().UtcDateTime;
        if (!await db.Users.AnyAsync(u => u.Username == AdminName, cancellationToken))
        {
            var configured = admin.Value.Password;
            var password = string.IsNullOrEmpty(configured) ? Passwords.Generate() : configured;
            db.Users.Add(new User
            {
                Username = AdminName,
                Realname = "system admin",
                PasswordHash = Passwords.Hash(password),
                SysAdmin = true,
                CreatedAt = now,
                UpdatedAt = now,
            });
            if (await TrySaveAsync(db, cancellationToken) && string.IsNullOrEmpty(configured))
            {
                // The one time this password is ever shown; only its hash is stored.
                LogGeneratedPassword(logger, AdminName, password);
            }
        }

        if (!await db.Projects.AnyAsync(p => p.Name == LibraryProject, cancellationToken))
        {
            var owner = await db.Users.Where(u => u.Username == AdminName).Select(u => (long?)u.Id).FirstOrDefaultAsync(cancellationToken);
            db.Projects.Add(new Project { Name = LibraryProject, Public = true, OwnerId = owner, CreatedAt = now, UpdatedAt = now });
            await TrySaveAsync(db, cancellationToken);
        }

        // The token-signing key is generated now rather than on the first login.
        await keys.KeysAsync(cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Another replica starting at the same moment may win the unique index; its row is as good as ours.</summary>
    private static async Task<bool> TrySaveAsync(BerthDbContext db, CancellationToken cancellationToken)
    {
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            return true;
        }
        catch (DbUpdateException)
        {
            db.ChangeTracker.Clear();
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "created the {Username} account with the generated password {Password}; it is shown only this once: sign in and change it")]
    private static partial void LogGeneratedPassword(ILogger logger, string username, string password);
}
