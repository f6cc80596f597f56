using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;

namespace Berth.Auth;

/// <summary>Remembers recently verified Basic credentials for a minute, so scripts sending Basic on every request do not pay PBKDF2 each time.</summary>
/// <remarks>
/// Keyed by a SHA-256 of name and password, so no password is held in memory; only successful logins are cached, and
/// a changed password or a lock takes effect within <see cref="Lifetime"/>. Bounded: it is emptied when it grows past
/// <see cref="MaxEntries"/>.
/// </remarks>
public sealed class CredentialCache(TimeProvider clock)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(1);
    private const int MaxEntries = 10_000;
    private readonly ConcurrentDictionary<string, (Subject Subject, DateTime Expires)> _entries = new(StringComparer.Ordinal);

    public Subject? Find(string username, string password)
    {
        var key = Key(username, password);
        if (_entries.TryGetValue(key, out var entry) && entry.Expires > clock.GetUtcNow().UtcDateTime)
        {
            return entry.Subject;
        }

        _entries.TryRemove(key, out _);
        return null;
    }

    public void Add(string username, string password, Subject subject)
    {
        if (_entries.Count >= MaxEntries)
        {
            _entries.Clear();
        }

        _entries[Key(username, password)] = (subject, clock.GetUtcNow().UtcDateTime + Lifetime);
    }

    /// <summary>Forgets every remembered login of <paramref name="username"/> (its password or rights changed).</summary>
    public void Forget(string username)
    {
        foreach (var (key, entry) in _entries)
        {
            if (string.Equals(entry.Subject.Name, username, StringComparison.Ordinal))
            {
                _entries.TryRemove(key, out _);
            }
        }
    }

    private static string Key(string username, string password) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(username + "\0" + password)));
}
