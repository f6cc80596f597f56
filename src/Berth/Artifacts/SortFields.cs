using System.Linq.Expressions;
using Berth.Api;

namespace Berth.Artifacts;

/// <summary>The keys a list may be sorted by (<c>sort=name,-push_time</c>), each an EF expression; any other key is a 400.</summary>
/// <remarks>The list's own order applies when <c>sort</c> names nothing; a final key always follows, so that pages never overlap.</remarks>
public sealed class SortFields<T>
{
    private readonly Dictionary<string, Func<IQueryable<T>, bool, bool, IOrderedQueryable<T>>> _fields = new(StringComparer.Ordinal);

    public SortFields<T> Add<TKey>(string name, Expression<Func<T, TKey>> key)
    {
        _fields[name] = (query, first, descending) => (first, descending) switch
        {
            (true, false) => query.OrderBy(key),
            (true, true) => query.OrderByDescending(key),
            (false, false) => ((IOrderedQueryable<T>)query).ThenBy(key),
            (false, true) => ((IOrderedQueryable<T>)query).ThenByDescending(key),
        };
        return this;
    }

    /// <param name="query">The filtered list.</param>
    /// <param name="sorts">What <c>sort</c> asked for.</param>
    /// <param name="defaults">The order when it asked for nothing.</param>
    /// <param name="tiebreaker">A unique key, sorted last.</param>
    public IOrderedQueryable<T> Apply(IQueryable<T> query, IReadOnlyList<ListQuery.Sort> sorts, IReadOnlyList<ListQuery.Sort> defaults,
        ListQuery.Sort tiebreaker)
    {
        var unknown = sorts.FirstOrDefault(s => !_fields.ContainsKey(s.Key));
        if (unknown.Key is not null)
        {
            throw ApiException.BadRequest($"unsupported sort key {unknown.Key}; supported: {string.Join(", ", _fields.Keys)}");
        }

        var keys = (sorts.Count > 0 ? sorts : defaults).Append(tiebreaker).DistinctBy(s => s.Key).ToList();
        IQueryable<T> ordered = query;
        for (var i = 0; i < keys.Count; i++)
        {
            ordered = _fields[keys[i].Key](ordered, i == 0, keys[i].Descending);
        }

        return (IOrderedQueryable<T>)ordered;
    }
}
