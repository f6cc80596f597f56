using Berth.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Berth.Auth;

/// <summary>Checks a username and password, with Harbor-style protection against guessing.</summary>
/// <remarks>
/// Each failure in a row makes the next answer slower (doubling, at most 2 s); after <see cref="AuthOptions.LockoutThreshold"/>
/// failures the account is locked for <see cref="AuthOptions.LockoutDuration"/> and the lock is logged. An unknown user
/// costs the same hashing time as a known one. Passwords are never logged.
/// </remarks>
public sealed partial class Authenticator(
    BerthDbContext db, CredentialCache cache, IOptions<AuthOptions> options, TimeProvider clock, ILogger<Authenticator> logger)
{
    /// <summary>The user's subject, or null when the credentials are wrong or the account is locked.</summary>
    /// <remarks>A success is remembered for <see cref="CredentialCache.Lifetime"/>: clients log in again for every token and every scope.</remarks>
    public async Task<Subject?> AuthenticateAsync(string username, string password, CancellationToken cancellationToken)
    {
        if (cache.Find(username, password) is { } known)
        {
            if (known.Robot?.ExpiresAt is not { } expires || expires > clock.GetUtcNow().UtcDateTime)
            {
                return known;
            }

            cache.Forget(username);
        }

        var epoch = cache.Epoch;
        var subject = await VerifyAsync(username, password, cancellationToken);
        if (subject is not null)
        {
            cache.Add(username, password, subject, epoch);
        }

        return subject;
    }

    private async Task<Subject?> VerifyAsync(string username, string password, CancellationToken cancellationToken)
    {
        if (username.StartsWith(RobotNames.Prefix, StringComparison.Ordinal))
        {
            return await VerifyRobotAsync(username, password, cancellationToken);
        }

        var settings = options.Value;
        var now = clock.GetUtcNow().UtcDateTime;
        var user = await db.Users.FirstOrDefaultAsync(u => u.Username == username, cancellationToken);
        if (user is null)
        {
            Passwords.VerifyDecoy(password);
            await Task.Delay(settings.FailureDelay, clock, cancellationToken);
            return null;
        }

        if (user.LockedUntil is { } locked && locked > now)
        {
            Passwords.VerifyDecoy(password);
            return null;
        }

        if (Passwords.Verify(user.PasswordHash, password))
        {
            if (user.FailedLogins != 0 || user.LockedUntil is not null)
            {
                user.FailedLogins = 0;
                user.LockedUntil = null;
                await db.SaveChangesAsync(cancellationToken);
            }

            return new Subject(SubjectKind.User, user.Id, user.Username, user.SysAdmin);
        }

        user.FailedLogins++;
        if (user.FailedLogins >= settings.LockoutThreshold)
        {
            user.LockedUntil = now + settings.LockoutDuration;
            user.FailedLogins = 0;
            LogLocked(logger, user.Username, settings.LockoutThreshold, user.LockedUntil.Value);
        }

        await db.SaveChangesAsync(cancellationToken);
        var delay = settings.FailureDelay * Math.Pow(2, Math.Min(user.FailedLogins, 5));
        await Task.Delay(delay < TimeSpan.FromSeconds(2) ? delay : TimeSpan.FromSeconds(2), clock, cancellationToken);
        return null;
    }

    /// <summary>A robot by its full name: refused when the secret is wrong, or it is disabled or expired.</summary>
    /// <remarks>Robots are not locked out (their secrets are generated and long), but each failure still costs the failure delay.</remarks>
    private async Task<Subject?> VerifyRobotAsync(string fullName, string secret, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var stored = fullName[RobotNames.Prefix.Length..];
        var robot = await db.Robots.AsNoTracking().FirstOrDefaultAsync(r => r.Name == stored, cancellationToken);
        var valid = robot is null ? Passwords.VerifyDecoy(secret) : Passwords.Verify(robot.SecretHash, secret);
        if (robot is null || !valid || robot.Disabled || (robot.ExpiresAt != -1 && robot.ExpiresAt <= now.ToUnixTimeSeconds()))
        {
            await Task.Delay(options.Value.FailureDelay, clock, cancellationToken);
            return null;
        }

        var expires = robot.ExpiresAt == -1 ? (DateTime?)null : DateTimeOffset.FromUnixTimeSeconds(robot.ExpiresAt).UtcDateTime;
        var grants = Robots.RobotPermissions.Grants(Robots.RobotPermissions.Parse(robot.Permissions));
        return Subject.ForRobot(new RobotIdentity(robot.Id, robot.ProjectId, grants, expires), fullName);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "account {Username} locked after {Failures} failed logins in a row, until {Until:o}")]
    private static partial void LogLocked(ILogger logger, string username, int failures, DateTime until);
}
