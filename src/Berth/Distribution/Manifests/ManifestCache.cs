using Berth.Hosting;
using Berth.Oci;
using Berth.Storage;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace Berth.Distribution.Manifests;

/// <summary>Manifest bytes by digest. Content-addressed, so an entry can never be stale, on any replica.</summary>
/// <remarks>Bytes read from the store are checked against their digest before they are cached or served.</remarks>
public sealed class ManifestCache(IStorageDriver storage, IOptions<DistributionOptions> options) : IDisposable
{
    private readonly MemoryCache _cache = new(new MemoryCacheOptions { SizeLimit = Math.Max(1, options.Value.ManifestCacheEntries) });

    public void Add(Digest digest, byte[] content) =>
        _cache.Set(digest.Value, content, new MemoryCacheEntryOptions { Size = 1 });

    public async Task<byte[]> GetAsync(Digest digest, CancellationToken cancellationToken)
    {
        if (_cache.TryGetValue(digest.Value, out byte[]? cached) && cached is not null)
        {
            return cached;
        }

        var content = await storage.GetContentAsync(StoragePaths.Blob(digest), cancellationToken);
        if (!Digest.Compute(digest.Algorithm, content).Equals(digest))
        {
            throw new StorageException(storage.Name, $"stored manifest {digest.Value} does not match its digest");
        }

        Add(digest, content);
        return content;
    }

    public void Dispose() => _cache.Dispose();
}
