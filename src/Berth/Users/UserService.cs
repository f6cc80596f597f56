using System.Buffers;
using System.Text.RegularExpressions;
using Berth.Api;
using Berth.Api.Query;
using Berth.Auth;
using Berth.Data;
using Berth.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace Berth.Users;

/// <summary>Local accounts: created by administrators, passwords changed by their owners, never shown.</summary>
public sealed partial class UserService(BerthDbContext db, CredentialCache credentials, TimeProvider clock)
{
    /// <summary>What <c>q=</c> and <c>sort=</c> may name on <c>GET /users</c>. Never the password: it is not a field here.</summary>
    private static readonly QueryFields<User> ListFields = new QueryFields<User>()
        .Number("user_id", u => u.Id)
        .Text("username", u => u.Username)
        .Text("email", u => u.Email)
        .Text("realname", u => u.Realname)
        .Text("comment", u => u.Comment)
        .Boolean("sysadmin_flag", u => u.SysAdmin)
        .Time("creation_time", u => u.CreatedAt)
        .Time("update_time", u => u.UpdatedAt)
        .Sortable("user_id", u => u.Id)
        .Sortable("username", u => u.Username)
        .Sortable("email", u => u.Email)
        .Sortable("realname", u => u.Realname)
        .Sortable("sysadmin_flag", u => u.SysAdmin)
        .Sortable("creation_time", u => u.CreatedAt)
        .Sortable("update_time", u => u.UpdatedAt)
        .DefaultOrder("user_id", new QuerySort("username", false));

    /// <summary>Characters Harbor refuses in user and real names.</summary>
    private static readonly SearchValues<char> IllegalNameCharacters = SearchValues.Create(",\"~#%$");

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

        // Harbor keeps e-mail addresses well-formed and unique; an account may have none.
        if (request.Email is { Length: > 0 } email)
        {
            RequireEmailFormat(email);
            await RequireEmailFreeAsync(email, null, cancellationToken);
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

    /// <summary>Accounts filtered and sorted by Harbor's <c>q=</c> and <c>sort=</c> (by username unless told otherwise).</summary>
    public async Task<(List<User> Page, int Total)> ListAsync(HarborQuery query, ApiPaging paging, CancellationToken cancellationToken)
    {
        var users = ListFields.Filter(db.Users.AsNoTracking(), query);
        return (await ListFields.Sort(users, query).Skip(paging.Skip).Take(paging.PageSize).ToListAsync(cancellationToken),
            await users.CountAsync(cancellationToken));
    }

    /// <summary>Accounts whose name contains <paramref name="username"/>, ignoring case, as ids and names only.</summary>
    public async Task<(List<(long Id, string Username)> Page, int Total)> SearchAsync(string username, ApiPaging paging, CancellationToken cancellationToken)
    {
        var query = HarborQuery.Empty.With(QueryTerm.Fuzzy("username", username));
        var users = ListFields.Filter(db.Users.AsNoTracking(), query);
        var page = await ListFields.Sort(users, query).Skip(paging.Skip).Take(paging.PageSize)
            .Select(u => new { u.Id, u.Username }).ToListAsync(cancellationToken);
        return (page.Select(u => (u.Id, u.Username)).ToList(), await users.CountAsync(cancellationToken));
    }

    /// <summary>Sets email, real name and comment, with Harbor's rules for each; nothing else of the account changes.</summary>
    public async Task UpdateProfileAsync(long id, UserProfileRequest request, CancellationToken cancellationToken)
    {
        var email = request.Email ?? "";
        var realname = request.Realname ?? "";
        var comment = request.Comment ?? "";
        if (email.Length == 0)
        {
            throw ApiException.BadRequest("email can't be empty");
        }

        RequireEmailFormat(email);
        if (realname.Length is 0 or > 255)
        {
            throw ApiException.BadRequest("realname with illegal length");
        }

        if (realname.AsSpan().ContainsAny(IllegalNameCharacters))
        {
            throw ApiException.BadRequest("realname contains illegal characters");
        }

        if (comment.Length > 30)
        {
            throw ApiException.BadRequest("comment with illegal length");
        }

        var user = await db.Users.FirstOrDefaultAsync(u => u.Id == id, cancellationToken) ?? throw ApiException.NotFound($"user {id} not found");
        await RequireEmailFreeAsync(email, id, cancellationToken);

        user.Email = email;
        user.Realname = realname;
        user.Comment = comment;
        user.UpdatedAt = clock.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync(cancellationToken);
    }

    /// <summary>Changes a password: its owner must give the old one (403 when wrong); an administrator resetting someone else's need not.</summary>
    /// <remarks>As in Harbor, the new password must meet the rules and differ from the current one (400).</remarks>
    public async Task ChangePasswordAsync(Subject caller, long id, PasswordRequest request, CancellationToken cancellationToken)
    {
        var user = await db.Users.FirstOrDefaultAsync(u => u.Id == id, cancellationToken) ?? throw ApiException.NotFound($"user {id} not found");
        var self = caller.Id == id;
        if (self && (request.OldPassword is null || !Passwords.Verify(user.PasswordHash, request.OldPassword)))
        {
            throw ApiException.Forbidden("Current password is incorrect");
        }

        if (PasswordProblem(request.NewPassword) is { } problem)
        {
            throw ApiException.BadRequest(problem);
        }

        if (Passwords.Verify(user.PasswordHash, request.NewPassword!))
        {
            throw ApiException.BadRequest("New password is identical to old password");
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

    /// <summary>Harbor's email rule (its <c>validateUserProfile</c>).</summary>
    [GeneratedRegex(@"^(([^<>()[\]\\.,;:\s@\""]+(\.[^<>()[\]\\.,;:\s@\""]+)*)|(\"".+\""))@((\[[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\])|(([a-zA-Z\-0-9]+\.)+[a-zA-Z]{2,}))$", RegexOptions.CultureInvariant)]
    private static partial Regex EmailGrammar();

    private static void RequireEmailFormat(string email)
    {
        if (email.Length > 255 || !EmailGrammar().IsMatch(email))
        {
            throw ApiException.BadRequest("email with illegal format");
        }
    }

    /// <summary>409 unless no account but <paramref name="owner"/> (if any) has the address.</summary>
    private async Task RequireEmailFreeAsync(string email, long? owner, CancellationToken cancellationToken)
    {
        if (await db.Users.AnyAsync(u => u.Email == email && u.Id != owner, cancellationToken))
        {
            throw ApiException.Conflict("the email is already used by another user");
        }
    }
}
