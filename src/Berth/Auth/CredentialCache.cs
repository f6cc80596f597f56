using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;

namespace Berth.Auth;

/// <summary>Remembers recently verified Basic credentials for a minute, so scripts sending Basic on every request do not pay PBKDF2 each time.</summary>
/// <remarks>
/// Keyed by a SHA-256 of name and password, so no password is held in memory; only successful logins are cached, and
/// a changed password or a lock takes effect within <see cref="Lifetime"/>, at once where this process made the change
/// (<see cref="Forget"/>). A login verified against the old password while the change happened is not remembered:
/// <see cref="Add"/> takes the <see cref="Epoch"/> read before verifying, and every <see cref="Forget"/> moves it on.
/// Bounded: it is emptied when it grows past <see cref="MaxEntries"/>.
/// </remarks>
public sealed class CredentialCache(TimeProvider clock)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(1);
    private const int MaxEntries = 10_000;
    private readonly ConcurrentDictionary<string, (Subject Subject, DateTime Expires)> _entries = new(StringComparer.Ordinal);
    private long _epoch;

    /// <summary>Read before verifying a login, and given to <see cref="Add"/>: a <see cref="Forget"/> in between moves it on.</summary>
    public long Epoch => Interlocked.Read(ref _epoch);

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

    /// <summary>Remembers a login verified after <paramref name="epoch"/> was read, unless something was forgotten since.</summary>
    public void Add(string username, string password, Subject subject, long epoch)
    {
        if (Epoch != epoch)
        {
            return;
        }

        if (_entries.Count >= MaxEntries)
        {
            _entries.Clear();
        }

        var key = Key(username, password);
        _entries[key] = (subject, clock.GetUtcNow().UtcDateTime + Lifetime);

        // A Forget that moved the epoch on after the check above may have swept before this entry was in.
        if (Epoch != epoch)
        {
            _entries.TryRemove(key, out _);
        }
    }

    /// <summary>Forgets every remembered login of <paramref name="username"/> (its password or rights changed), and every login being verified now.</summary>
    public void Forget(string username)
    {
        Interlocked.Increment(ref _epoch);
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
