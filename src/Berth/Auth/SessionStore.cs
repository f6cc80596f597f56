using System.Security.Cryptography;
using System.Text;
using Berth.Data;
using Berth.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace Berth.Auth;

/// <summary>Portal sessions: cookie <c>sid</c> holds a random token, the database its hash, the user and the expiry.</summary>
/// <remarks>
/// A session slides: each use moves its expiry to the session timeout (<c>session_timeout</c>) from now, written only once
/// a tenth of the timeout has passed so a busy portal does not write on every request, and not at all when the request
/// says <c>X-Harbor-No-Session-Renewal</c>. Logout, a password change and deleting the user end sessions on every replica.
/// </remarks>
public sealed class SessionStore(BerthDbContext db, Settings.SettingsStore settings, TimeProvider clock)
{
    public const string Cookie = "sid";
    public const string NoRenewalHeader = "X-Harbor-No-Session-Renewal";

    /// <summary>Starts a session for <paramref name="userId"/> and returns the cookie value.</summary>
    public async Task<string> CreateAsync(long userId, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var token = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        await db.Sessions.Where(s => s.ExpiresAt <= now).ExecuteDeleteAsync(cancellationToken);
        db.Sessions.Add(new Session { Id = Hash(token), UserId = userId, CreatedAt = now, ExpiresAt = now + (await settings.GetAsync(cancellationToken)).SessionTimeout });
        await db.SaveChangesAsync(cancellationToken);
        return token;
    }

    /// <summary>The signed-in user of a live session, renewing it unless <paramref name="renew"/> is false; null when there is none.</summary>
    public async Task<Subject?> FindAsync(string token, bool renew, CancellationToken cancellationToken)
    {
        if (token.Length is 0 or > 128)
        {
            return null;
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var id = Hash(token);
        var found = await db.Sessions.AsNoTracking().Where(s => s.Id == id && s.ExpiresAt > now)
            .Join(db.Users, s => s.UserId, u => u.Id, (s, u) => new { s.ExpiresAt, u.Id, u.Username, u.SysAdmin })
            .FirstOrDefaultAsync(cancellationToken);
        if (found is null)
        {
            return null;
        }

        var timeout = (await settings.GetAsync(cancellationToken)).SessionTimeout;
        if (renew && found.ExpiresAt - now < timeout - (timeout / 10))
        {
            var expires = now + timeout;
            await db.Sessions.Where(s => s.Id == id).ExecuteUpdateAsync(s => s.SetProperty(x => x.ExpiresAt, expires), cancellationToken);
        }

        return new Subject(SubjectKind.User, found.Id, found.Username, found.SysAdmin);
    }

    public async Task DeleteAsync(string token, CancellationToken cancellationToken)
    {
        var id = Hash(token);
        await db.Sessions.Where(s => s.Id == id).ExecuteDeleteAsync(cancellationToken);
    }

    /// <summary>Ends every session of a user (a password change, or the account's rights changing).</summary>
    public async Task DeleteForUserAsync(long userId, CancellationToken cancellationToken) =>
        await db.Sessions.Where(s => s.UserId == userId).ExecuteDeleteAsync(cancellationToken);

    private static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));
}
