using System.Globalization;
using System.Linq.Expressions;

namespace Berth.Api.Query;

/// <summary>
/// One endpoint's allow-list for <c>q=</c> and <c>sort=</c>: each key it names maps to a typed field of <typeparamref name="T"/>,
/// and a term becomes an EF expression over that field with its value as a query parameter. Nothing else is queryable.
/// </summary>
/// <remarks>
/// A key the list does not name is ignored, as Harbor ignores keys its models do not declare filterable or sortable
/// (<c>src/lib/orm/query.go</c>); that is also how Harbor keeps <c>password</c> out of reach. A named key whose value does
/// not fit its type, or with a pattern its type has no meaning for (a range of text, a fuzzy number), is a 400.
/// </remarks>
public sealed class QueryFields<T>
{
    private readonly Dictionary<string, Func<QueryTerm, Expression<Func<T, bool>>>> _filters = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Func<IQueryable<T>, bool, bool, IOrderedQueryable<T>>> _sorts = new(StringComparer.Ordinal);
    private QuerySort[] _defaultOrder = [];
    private string? _tieBreaker;

    /// <summary>A text field: exact (case-sensitive), fuzzy (contains, ignoring case), any-of and all-of.</summary>
    public QueryFields<T> Text(string key, Expression<Func<T, string>> field) =>
        Filter(key, field, static text => (true, text), fuzzy: true, range: false);

    public QueryFields<T> Number(string key, Expression<Func<T, long>> field) =>
        Filter(key, field, static text => (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n), n),
            fuzzy: false, range: true);

    /// <summary>A flag: <c>true</c>/<c>1</c> or <c>false</c>/<c>0</c>.</summary>
    public QueryFields<T> Boolean(string key, Expression<Func<T, bool>> field) =>
        Filter(key, field, static text => text.ToUpperInvariant() switch { "TRUE" or "1" => (true, true), "FALSE" or "0" => (true, false), _ => (false, false) },
            fuzzy: false, range: false);

    /// <summary>A time; values without an offset are UTC, as the database keeps times.</summary>
    public QueryFields<T> Time(string key, Expression<Func<T, DateTime>> field) =>
        Filter(key, field, ParseTime, fuzzy: false, range: true);

    public QueryFields<T> Sortable<TKey>(string key, Expression<Func<T, TKey>> field)
    {
        _sorts[key] = (source, descending, first) => (first, descending) switch
        {
            (true, false) => source.OrderBy(field),
            (true, true) => source.OrderByDescending(field),
            (false, false) => ((IOrderedQueryable<T>)source).ThenBy(field),
            (false, true) => ((IOrderedQueryable<T>)source).ThenByDescending(field),
        };
        return this;
    }

    /// <summary>The order when <c>sort=</c> names no allowed key, and the key that breaks remaining ties so pages never overlap.</summary>
    public QueryFields<T> DefaultOrder(string tieBreaker, params QuerySort[] order)
    {
        _defaultOrder = order;
        _tieBreaker = tieBreaker;
        return this;
    }

    /// <summary>Whether <paramref name="key"/> is on the filter allow-list.</summary>
    public bool Filters(string key) => _filters.ContainsKey(key);

    public IQueryable<T> Filter(IQueryable<T> source, HarborQuery query)
    {
        foreach (var term in query.Terms)
        {
            if (_filters.TryGetValue(term.Key, out var predicate))
            {
                source = source.Where(predicate(term));
            }
        }

        return source;
    }

    public IOrderedQueryable<T> Sort(IQueryable<T> source, HarborQuery query)
    {
        var order = query.Sorts.Where(s => _sorts.ContainsKey(s.Key)).DistinctBy(s => s.Key).ToList();
        if (order.Count == 0)
        {
            order.AddRange(_defaultOrder);
        }

        if (_tieBreaker is { } tie && order.All(s => s.Key != tie))
        {
            order.Add(new QuerySort(tie, false));
        }

        if (order.Count == 0)
        {
            throw new InvalidOperationException("a sortable list needs a default order");
        }

        for (var i = 0; i < order.Count; i++)
        {
            source = _sorts[order[i].Key](source, order[i].Descending, i == 0);
        }

        return (IOrderedQueryable<T>)source;
    }

    private QueryFields<T> Filter<TValue>(string key, Expression<Func<T, TValue>> field, Func<string, (bool Ok, TValue Value)> parse, bool fuzzy, bool range)
    {
        _filters[key] = term => Build(key, field, parse, fuzzy, range, term);
        return this;
    }

    private static Expression<Func<T, bool>> Build<TValue>(string key, Expression<Func<T, TValue>> field, Func<string, (bool Ok, TValue Value)> parse,
        bool fuzzy, bool range, QueryTerm term)
    {
        var body = field.Body;
        TValue Value(string text) => parse(text) is (true, var value) ? value : throw ApiException.BadRequest($"invalid value {text} for the query key {key}");

        Expression predicate = term.Match switch
        {
            QueryMatch.Exact => Expression.Equal(body, Parameter(Value(term.Values[0]))),
            QueryMatch.Fuzzy when fuzzy => Expression.Call(Expression.Call(body, ToLower), Contains, Parameter(term.Values[0].ToLowerInvariant())),
            QueryMatch.Range when range => Bounds(body, term.Min is null ? null : Parameter(Value(term.Min)), term.Max is null ? null : Parameter(Value(term.Max))),
            QueryMatch.AnyOf => Expression.Call(typeof(Enumerable), nameof(Enumerable.Contains), [typeof(TValue)],
                Parameter(term.Values.Select(Value).ToList()), body),
            QueryMatch.AllOf => term.Values.Select(v => (Expression)Expression.Equal(body, Parameter(Value(v))))
                .Aggregate((Expression)Expression.Constant(true), Expression.AndAlso),
            _ => throw ApiException.BadRequest($"the query key {key} does not take a {(term.Match == QueryMatch.Fuzzy ? "fuzzy match" : "range")}"),
        };
        return Expression.Lambda<Func<T, bool>>(predicate, field.Parameters);
    }

    private static Expression Bounds(Expression body, Expression? min, Expression? max)
    {
        Expression result = Expression.Constant(true);
        if (min is not null)
        {
            result = Expression.AndAlso(result, Expression.GreaterThanOrEqual(body, min));
        }

        if (max is not null)
        {
            result = Expression.AndAlso(result, Expression.LessThanOrEqual(body, max));
        }

        return result;
    }

    /// <summary>A value EF sends as a query parameter: a member of a closure, never a literal spliced into the SQL.</summary>
    private static MemberExpression Parameter<TValue>(TValue value) =>
        Expression.Property(Expression.Constant(new Box<TValue>(value)), nameof(Box<TValue>.Value));

    /// <summary>Harbor's <c>2020-04-09T02:36:00</c>, its swagger's <c>2020-04-09 02:36:00</c> (both UTC), or RFC 3339 with fraction and offset.</summary>
    private static (bool, DateTime) ParseTime(string text) =>
        (DateTimeOffset.TryParseExact(text, TimeFormats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time), time.UtcDateTime);

    private static readonly string[] TimeFormats = ["yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK", "yyyy-MM-dd HH:mm:ss.FFFFFFFK"];

    private static readonly System.Reflection.MethodInfo ToLower = typeof(string).GetMethod(nameof(string.ToLower), Type.EmptyTypes)!;
    private static readonly System.Reflection.MethodInfo Contains = typeof(string).GetMethod(nameof(string.Contains), [typeof(string)])!;

    private sealed class Box<TValue>(TValue value)
    {
        public TValue Value { get; } = value;
    }
}
