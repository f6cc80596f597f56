using System.Globalization;
using System.Linq.Expressions;
using Berth.Api;

namespace Berth.Artifacts;

/// <summary>Turns one <see cref="ListQuery.Term"/> on an allowed field into an EF <c>Where</c>: text, numbers and times.</summary>
/// <remarks>
/// Values always reach SQL as parameters (through a closure, as a captured variable would), never as text in the statement.
/// A match a field does not support (a range over a digest, a fuzzy number) is a 400.
/// </remarks>
public static class ListFilters
{
    public static IQueryable<T> Text<T>(IQueryable<T> query, ListQuery.Term term, Expression<Func<T, string?>> field)
    {
        var value = field.Body;
        Expression predicate = term.Match switch
        {
            ListQuery.Match.Exact => Expression.Equal(value, Parameter<string?>(term.Value)),
            // string.Contains becomes instr() > 0: no LIKE, so % and _ in the value are plain characters.
            ListQuery.Match.Fuzzy => Expression.AndAlso(
                Expression.NotEqual(value, Expression.Constant(null, typeof(string))),
                Expression.Call(value, typeof(string).GetMethod(nameof(string.Contains), [typeof(string)])!, Parameter(term.Value))),
            ListQuery.Match.AnyOf => Expression.Call(typeof(Enumerable), nameof(Enumerable.Contains), [typeof(string)],
                Parameter<IEnumerable<string?>>(term.Items.ToList()), value),
            _ => throw Unsupported(term, "an exact match, a fuzzy match (~) or a list of alternatives ({a b})"),
        };
        return query.Where(Expression.Lambda<Func<T, bool>>(predicate, field.Parameters));
    }

    public static IQueryable<T> Number<T>(IQueryable<T> query, ListQuery.Term term, Expression<Func<T, long>> field)
    {
        var value = field.Body;
        Expression predicate = term.Match switch
        {
            ListQuery.Match.Exact => Expression.Equal(value, Parameter(Long(term, term.Value))),
            ListQuery.Match.AnyOf => Expression.Call(typeof(Enumerable), nameof(Enumerable.Contains), [typeof(long)],
                Parameter<IEnumerable<long>>(term.Items.Select(i => Long(term, i)).ToList()), value),
            ListQuery.Match.Range => Between<long>(value, term.Min is null ? null : Long(term, term.Min), term.Max is null ? null : Long(term, term.Max)),
            _ => throw Unsupported(term, "a number, a range ([min~max]) or a list of alternatives ({a b})"),
        };
        return query.Where(Expression.Lambda<Func<T, bool>>(predicate, field.Parameters));
    }

    /// <summary>A time field, matched by range: <c>[2024-01-01T00:00:00~2024-02-01T00:00:00]</c> (UTC; a space may replace the T).</summary>
    public static IQueryable<T> Time<T>(IQueryable<T> query, ListQuery.Term term, Expression<Func<T, DateTime?>> field)
    {
        if (term.Match != ListQuery.Match.Range)
        {
            throw Unsupported(term, "a range of times ([min~max])");
        }

        var predicate = Between<DateTime>(field.Body, term.Min is null ? null : (DateTime?)Time(term, term.Min), term.Max is null ? null : (DateTime?)Time(term, term.Max));
        return query.Where(Expression.Lambda<Func<T, bool>>(predicate, field.Parameters));
    }

    /// <summary>A key the list does not know: Harbor's 400, naming the keys it does.</summary>
    public static ApiException UnknownKey(string key, IEnumerable<string> known) =>
        ApiException.BadRequest($"unsupported query key {key}; supported: {string.Join(", ", known)}");

    public static ApiException Unsupported(ListQuery.Term term, string expected) =>
        ApiException.BadRequest($"invalid query {term.Key}={term.Value}: {term.Key} takes {expected}");

    private static Expression Between<TValue>(Expression value, TValue? min, TValue? max) where TValue : struct
    {
        Expression predicate = Expression.Constant(true);
        var operand = value.Type == typeof(TValue) ? Expression.Convert(value, typeof(TValue?)) : value;
        if (min is { } low)
        {
            predicate = Expression.AndAlso(predicate, Expression.GreaterThanOrEqual(operand, Parameter<TValue?>(low)));
        }

        if (max is { } high)
        {
            predicate = Expression.AndAlso(predicate, Expression.LessThanOrEqual(operand, Parameter<TValue?>(high)));
        }

        return predicate;
    }

    private static long Long(ListQuery.Term term, string text) =>
        long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw ApiException.BadRequest($"invalid query {term.Key}={term.Value}: {text} is not an integer");

    private static readonly string[] TimeFormats = ["yyyy-MM-ddTHH:mm:ss", "yyyy-MM-dd HH:mm:ss", "yyyy-MM-ddTHH:mm:ssZ", "yyyy-MM-dd"];

    private static DateTime Time(ListQuery.Term term, string text) =>
        DateTime.TryParseExact(text, TimeFormats, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var value)
            ? DateTime.SpecifyKind(value, DateTimeKind.Utc)
            : throw ApiException.BadRequest($"invalid query {term.Key}={term.Value}: {text} is not a time like 2024-04-09T02:36:00");

    /// <summary>A value EF sends as a parameter: a member of a closure object, exactly what a captured local compiles to.</summary>
    private static MemberExpression Parameter<TValue>(TValue value) =>
        Expression.Property(Expression.Constant(new Closure<TValue>(value)), nameof(Closure<TValue>.Value));

    private sealed class Closure<TValue>(TValue value)
    {
        public TValue Value { get; } = value;
    }
}
