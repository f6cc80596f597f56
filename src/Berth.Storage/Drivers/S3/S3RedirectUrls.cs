using System.Collections.Concurrent;

namespace Berth.Storage.Drivers.S3;

/// <summary>Presigned GET URLs by key, each reused while at least half its lifetime is left.</summary>
/// <remarks>
/// Signing costs the SDK's endpoint resolution and a SigV4 signature, on every redirected blob pull: most of the work of
/// a 307 besides Berth's own authorization. The URL of a key does not depend on who asks (Berth has authorized the
/// caller before it asks for one), so callers within the reuse window share it; each still gets a URL that stays valid
/// for at least half of <c>Storage:S3:RedirectLifetime</c>. Bounded: emptied when it grows past
/// <see cref="MaxEntries"/>.
/// </remarks>
internal sealed class S3RedirectUrls(S3Requests requests, TimeSpan lifetime, bool https, TimeProvider clock)
{
    private const int MaxEntries = 10_000;
    private readonly ConcurrentDictionary<string, (Uri Url, DateTimeOffset ReuseUntil)> _urls = new(StringComparer.Ordinal);

    /// <summary>A URL for <paramref name="key"/> with at least half the lifetime left, signed now when none is.</summary>
    public async ValueTask<Uri> GetAsync(string key)
    {
        // Taken before signing: the SDK counts the lifetime from its own signing second, which is no earlier.
        var now = clock.GetUtcNow();
        if (_urls.TryGetValue(key, out var known) && now < known.ReuseUntil)
        {
            return known.Url;
        }

        var url = new Uri(await requests.PresignAsync(key, lifetime, https));
        if (_urls.Count >= MaxEntries)
        {
            _urls.Clear();
        }

        _urls[key] = (url, now + lifetime / 2);
        return url;
    }
}
