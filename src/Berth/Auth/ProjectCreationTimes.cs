using System.Collections.Concurrent;
using Berth.Data;
using Microsoft.EntityFrameworkCore;

namespace Berth.Auth;

/// <summary>When each project was created, remembered briefly, so a bearer token can be checked against it without a query per request.</summary>
/// <remarks>
/// A token must not be older than the project it grants access to, or a token minted for a deleted project would open
/// a new project of the same name (as Harbor checks). Entries live <see cref="Lifetime"/>; this process forgets a name
/// when it deletes the project, other replicas within <see cref="Lifetime"/>.
/// </remarks>
public sealed class ProjectCreationTimes(IServiceScopeFactory scopes, TimeProvider clock)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(30);
    private const int MaxEntries = 10_000;
    private readonly ConcurrentDictionary<string, (DateTime? Created, DateTime Until)> _entries = new(StringComparer.Ordinal);

    /// <summary>The creation time of <paramref name="project"/>, or null when there is no such project.</summary>
    public async Task<DateTime?> GetAsync(string project, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        if (_entries.TryGetValue(project, out var entry) && entry.Until > now)
        {
            return entry.Created;
        }

        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<BerthDbContext>();
        var created = await db.Projects.AsNoTracking().Where(p => p.Name == project).Select(p => (DateTime?)p.CreatedAt).FirstOrDefaultAsync(cancellationToken);
        if (_entries.Count >= MaxEntries)
        {
            _entries.Clear();
        }

        _entries[project] = (created, now + Lifetime);
        return created;
    }

    public void Forget(string project) => _entries.TryRemove(project, out _);
}
