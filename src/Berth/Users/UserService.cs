using Berth.Api;
using Berth.Auth;
using Berth.Data;
using Berth.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace Berth.Users;

/// <summary>Local accounts: created by administrators, passwords changed by their owners, never shown.</summary>
public sealed class UserService(BerthDbContext db, CredentialCache credentials, TimeProvider clock)
{
    /// <summary>Harbor's rule: 8 to 128 characters with an upper-case letter, a lower-case letter and a digit.</summary>
    public static string? PasswordProblem(string? password) =>
        password is { Length: >= 8 and <= 128 } && password.Any(char.IsUpper) && password.Any(char.IsLower) && password.Any(char.IsDigit)
            ? null
            : "the password must be 8 to 128 characters long with at least one upper-case letter, one lower-case letter and one digit";

    public async Task<User> CreateAsync(UserCreationRequest request, CancellationToken cancellationToken)
    {
        var username = request.Username?.Trim();
        if (string.IsNullOrEmpty(username) || username.Length > 255 || username.StartsWith("robot$", StringComparison.Ordinal)
            || username.Any(c => char.IsControl(c) || c is ',' or '~' or '#' or '$' or '%' or ':' or '"' or '\''))
        {
            throw ApiException.BadRequest("username must be 1 to 255 characters without control characters or ,~#$%:\"'");
        }

        if (PasswordProblem(request.Password) is { } problem)
        {
            throw ApiException.BadRequest(problem);
        }

        if (await db.Users.AnyAsync(u => u.Username == username, cancellationToken))
        {
            throw ApiException.Conflict($"username {username} is already used");
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var user = new User
        {
            Username = username,
            Email = request.Email ?? "",
            Realname = request.Realname ?? "",
            Comment = request.Comment ?? "",
            PasswordHash = Passwords.Hash(request.Password!),
            CreatedAt = now,
            UpdatedAt = now,
        };
        db.Users.Add(user);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            throw ApiException.Conflict($"username {username} is already used");
        }

        return user;
    }

    public async Task<User> GetAsync(long id, CancellationToken cancellationToken) =>
        await db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.Id == id, cancellationToken)
        ?? throw ApiException.NotFound($"user {id} not found");

    public async Task<(List<User> Page, int Total)> ListAsync(string? username, ApiPaging paging, CancellationToken cancellationToken)
    {
        var query = db.Users.AsNoTracking();
        if (!string.IsNullOrEmpty(username))
        {
            query = query.Where(u => u.Username.Contains(username));
        }

        return (await query.OrderBy(u => u.Id).Skip(paging.Skip).Take(paging.PageSize).ToListAsync(cancellationToken),
            await query.CountAsync(cancellationToken));
    }

    /// <summary>Changes a password: its owner must give the old one; a system administrator resetting someone else's need not.</summary>
    public async Task ChangePasswordAsync(Subject caller, long id, PasswordRequest request, CancellationToken cancellationToken)
    {
        var user = await db.Users.FirstOrDefaultAsync(u => u.Id == id, cancellationToken) ?? throw ApiException.NotFound($"user {id} not found");
        var self = caller.Id == id;
        if (self && (request.OldPassword is null || !Passwords.Verify(user.PasswordHash, request.OldPassword)))
        {
            throw ApiException.Forbidden();
        }

        if (PasswordProblem(request.NewPassword) is { } problem)
        {
            throw ApiException.BadRequest(problem);
        }

        user.PasswordHash = Passwords.Hash(request.NewPassword!);
        user.UpdatedAt = clock.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync(cancellationToken);
        credentials.Forget(user.Username);
        await db.Sessions.Where(s => s.UserId == user.Id).ExecuteDeleteAsync(cancellationToken); // signed in with the old password
    }

    public async Task SetSysAdminAsync(long id, bool sysAdmin, CancellationToken cancellationToken)
    {
        var user = await db.Users.FirstOrDefaultAsync(u => u.Id == id, cancellationToken) ?? throw ApiException.NotFound($"user {id} not found");
        user.SysAdmin = sysAdmin;
        user.UpdatedAt = clock.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync(cancellationToken);
        credentials.Forget(user.Username);
    }

    public async Task DeleteAsync(Subject caller, long id, CancellationToken cancellationToken)
    {
        if (caller.Id == id)
        {
            throw ApiException.Forbidden();
        }

        var user = await db.Users.FirstOrDefaultAsync(u => u.Id == id, cancellationToken) ?? throw ApiException.NotFound($"user {id} not found");
        db.Users.Remove(user);
        await db.SaveChangesAsync(cancellationToken);
        credentials.Forget(user.Username);
    }
}
