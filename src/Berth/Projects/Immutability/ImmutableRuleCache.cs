using System.Collections.Concurrent;

namespace Berth.Projects.Immutability;

/// <summary>The enabled rules of each project, by project name, kept for <see cref="Lifetime"/>: every manifest push asks for them.</summary>
/// <remarks>
/// <para>
/// A project without rules is remembered too (as an empty list), so that pushing into it costs a dictionary lookup. A
/// change through this process forgets its project at once; another replica sees it when its entry expires, which is
/// the window in which a push there may still move a tag that a brand-new rule protects.
/// </para>
/// <para>
/// A load that began before a change must not store what it read after the change forgot the entry: every change bumps
/// <see cref="Version"/>, and a load stores its result only if the version it started with is still current.
/// </para>
/// </remarks>
public sealed class ImmutableRuleCache(TimeProvider clock)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(10);
    private const int MaxEntries = 10_000;
    private readonly ConcurrentDictionary<string, (IReadOnlyList<ImmutableRule> Rules, DateTime Expires)> _entries = new(StringComparer.Ordinal);
    private long _version;

    /// <summary>Read before loading, handed to <see cref="Set"/> after.</summary>
    public long Version => Interlocked.Read(ref _version);

    public bool TryGet(string project, out IReadOnlyList<ImmutableRule> rules)
    {
        if (_entries.TryGetValue(project, out var entry) && entry.Expires > clock.GetUtcNow().UtcDateTime)
        {
            rules = entry.Rules;
            return true;
        }

        rules = [];
        return false;
    }

    public void Set(string project, IReadOnlyList<ImmutableRule> rules, long version)
    {
        if (_entries.Count >= MaxEntries)
        {
            _entries.Clear();
        }

        _entries[project] = (rules, clock.GetUtcNow().UtcDateTime + Lifetime);
        if (Version != version)
        {
            // A change happened while these were read: they may be stale.
            _entries.TryRemove(project, out _);
        }
    }

    /// <summary>Forgets the rules of <paramref name="project"/> after a change to them.</summary>
    public void Forget(string project)
    {
        Interlocked.Increment(ref _version);
        _entries.TryRemove(project, out _);
    }
}
