using Berth.Data;
using Berth.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace Berth.Distribution.Repositories;

/// <summary>Finds repositories by name and creates them on first push.</summary>
public sealed class RepositoryStore(BerthDbContext db, TimeProvider clock)
{
    private static readonly Func<BerthDbContext, string, Task<long>> FindIdQuery =
        EF.CompileAsyncQuery((BerthDbContext db, string name) =>
            db.Repositories.Where(r => r.Name == name).Select(r => r.Id).FirstOrDefault());

    /// <summary>The repository's id, or null when no repository has that name.</summary>
    public async Task<long?> FindIdAsync(string name)
    {
        var id = await FindIdQuery(db, name);
        return id == 0 ? null : id;
    }

    /// <summary>The repository's id, creating the repository when it does not exist yet.</summary>
    /// <remarks>Two first pushes may race; the loser of the unique index reads the winner's row.</remarks>
    public async Task<long> GetOrCreateAsync(string name, CancellationToken cancellationToken)
    {
        if (await FindIdAsync(name) is { } existing)
        {
            return existing;
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var repository = new Repository { Name = name, CreatedAt = now, UpdatedAt = now };
        db.Repositories.Add(repository);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            return repository.Id;
        }
        catch (DbUpdateException)
        {
            db.Entry(repository).State = EntityState.Detached;
            return await FindIdAsync(name) ?? throw new InvalidOperationException($"repository '{name}' could not be created");
        }
    }
}
