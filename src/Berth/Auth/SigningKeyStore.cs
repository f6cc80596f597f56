using System.Security.Cryptography;
using Berth.Data;
using Berth.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.IdentityModel.Tokens;

namespace Berth.Auth;

/// <summary>The installation's token-signing keys: generated on first start, kept in the database for every replica.</summary>
/// <remarks>
/// No key ships with Berth or its configuration (the harbor-helm advisory GHSA-j7jh-fmcm-xxwv). Tokens are signed with the
/// oldest key; every stored key verifies, so two replicas that raced to create the first key both stay valid.
/// </remarks>
public sealed class SigningKeyStore(IServiceScopeFactory scopes, TimeProvider clock) : IDisposable
{
    private readonly SemaphoreSlim _load = new(1, 1);
    private readonly CryptoProviderFactory _providers = new();
    private IReadOnlyList<RsaSecurityKey>? _keys;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, byte[]> _derived = new(StringComparer.Ordinal);

    /// <summary>The key that signs new tokens.</summary>
    public async Task<RsaSecurityKey> SigningKeyAsync(CancellationToken cancellationToken) => (await KeysAsync(cancellationToken))[0];

    /// <summary>Every key that may have signed a valid token.</summary>
    public async Task<IReadOnlyList<RsaSecurityKey>> KeysAsync(CancellationToken cancellationToken)
    {
        if (_keys is { } loaded)
        {
            return loaded;
        }

        await _load.WaitAsync(cancellationToken);
        try
        {
            return _keys ??= await LoadOrCreateAsync(cancellationToken);
        }
        finally
        {
            _load.Release();
        }
    }

    /// <summary>
    /// A 32-byte key for <paramref name="purpose"/>, derived (HKDF-SHA256) from the installation's first signing key: the
    /// same on every replica, generated with the installation, and never stored or shipped anywhere else.
    /// </summary>
    public async Task<byte[]> DerivedKeyAsync(string purpose, CancellationToken cancellationToken)
    {
        if (_derived.TryGetValue(purpose, out var known))
        {
            return known;
        }

        var key = await SigningKeyAsync(cancellationToken);
        var material = key.Rsa.ExportPkcs8PrivateKey();
        try
        {
            return _derived.GetOrAdd(purpose, HKDF.DeriveKey(HashAlgorithmName.SHA256, material, 32, info: System.Text.Encoding.UTF8.GetBytes(purpose)));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(material);
        }
    }

    private async Task<IReadOnlyList<RsaSecurityKey>> LoadOrCreateAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<BerthDbContext>();
        var stored = await db.SigningKeys.AsNoTracking().OrderBy(k => k.CreatedAt).ToListAsync(cancellationToken);
        if (stored.Count == 0)
        {
            using var rsa = RSA.Create(2048);
            var key = new SigningKey
            {
                Id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)),
                PrivateKey = rsa.ExportPkcs8PrivateKey(),
                CreatedAt = clock.GetUtcNow().UtcDateTime,
            };
            db.SigningKeys.Add(key);
            await db.SaveChangesAsync(cancellationToken);
            stored = await db.SigningKeys.AsNoTracking().OrderBy(k => k.CreatedAt).ToListAsync(cancellationToken);
        }

        return stored.Select(k =>
        {
            var rsa = RSA.Create();
            rsa.ImportPkcs8PrivateKey(k.PrivateKey, out _);
            // A factory of this store's own: IdentityModel's default one caches signature providers process-wide by key
            // id, which would hand a second app in the process (tests, an embedded host) providers over keys this
            // store disposed.
            return new RsaSecurityKey(rsa) { KeyId = k.Id, CryptoProviderFactory = _providers };
        }).ToList();
    }

    public void Dispose()
    {
        _load.Dispose();
        (_providers.CryptoProviderCache as IDisposable)?.Dispose();
        foreach (var key in _keys ?? [])
        {
            key.Rsa?.Dispose();
        }
    }
}
