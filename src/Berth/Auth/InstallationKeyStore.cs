using System.Collections.Concurrent;
using System.Security.Cryptography;
using Berth.Data;
using Microsoft.EntityFrameworkCore;

namespace Berth.Auth;

/// <summary>Random symmetric keys of this installation, one per purpose, generated on first use and kept in the database.</summary>
/// <remarks>
/// Every replica reads the same key: the first to need one inserts it, and an insert that lost the race is ignored, so
/// both read the winner's. A key never changes once stored; each process keeps what it read.
/// </remarks>
public sealed class InstallationKeyStore(IServiceScopeFactory scopes, TimeProvider clock)
{
    private const int KeyBytes = 32;
    private readonly ConcurrentDictionary<string, byte[]> _keys = new(StringComparer.Ordinal);

    /// <summary>The 32-byte key for <paramref name="purpose"/>.</summary>
    public async Task<byte[]> GetAsync(string purpose, CancellationToken cancellationToken)
    {
        if (_keys.TryGetValue(purpose, out var known))
        {
            return known;
        }

        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<BerthDbContext>();
        var stored = await db.InstallationKeys.AsNoTracking().Where(k => k.Purpose == purpose).Select(k => k.Material)
            .FirstOrDefaultAsync(cancellationToken);
        if (stored is null)
        {
            var material = RandomNumberGenerator.GetBytes(KeyBytes);
            var now = clock.GetUtcNow().UtcDateTime;
            await db.Database.ExecuteSqlInterpolatedAsync(
                $"INSERT INTO installation_keys (\"Purpose\", \"Material\", \"CreatedAt\") VALUES ({purpose}, {material}, {now}) ON CONFLICT (\"Purpose\") DO NOTHING",
                cancellationToken);
            stored = await db.InstallationKeys.AsNoTracking().Where(k => k.Purpose == purpose).Select(k => k.Material)
                .FirstAsync(cancellationToken);
        }

        return _keys.GetOrAdd(purpose, stored);
    }
}
