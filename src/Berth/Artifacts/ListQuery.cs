using Berth.Api;

namespace Berth.Artifacts;

/// <summary>Harbor's list language: <c>q=k=v,k=~v,k=[min~max],k={a b},k=(a b)</c> and <c>sort=k1,-k2</c>, parsed and nothing more.</summary>
/// <remarks>
/// <para>
/// Parsing only: which keys a list accepts, and what each means, is decided where the list is built (an allow-list mapped to
/// EF expressions), never by turning text into SQL. Malformed text is Harbor's 400.
/// </para>
/// <para>
/// Written for the repository and artifact lists while the shared parser (<c>Api/Query</c>) is on another branch; it should
/// be folded into that one when both are merged. As in Harbor a repeated key keeps its last value, and <c>q</c> is
/// percent-decoded once more when it still holds escapes (<c>q=tags%253Dnil</c>), but a <c>+</c> stays a <c>+</c>, so media
/// types (<c>…v1+json</c>) survive.
/// </para>
/// </remarks>
public sealed class ListQuery
{
    public static ListQuery Empty { get; } = new(new Dictionary<string, Term>(StringComparer.Ordinal), []);

    private ListQuery(IReadOnlyDictionary<string, Term> terms, IReadOnlyList<Sort> sorts)
    {
        Terms = terms;
        Sorts = sorts;
    }

    /// <summary>The <c>q</c> terms by key.</summary>
    public IReadOnlyDictionary<string, Term> Terms { get; }

    /// <summary>The <c>sort</c> keys, first one first.</summary>
    public IReadOnlyList<Sort> Sorts { get; }

    public static ListQuery From(HttpRequest request) =>
        Parse(request.Query["q"].FirstOrDefault(), request.Query["sort"].FirstOrDefault());

    public static ListQuery Parse(string? q, string? sort) => new(ParseTerms(q), ParseSorts(sort));

    /// <summary>One <c>key=value</c> of <c>q</c>: <see cref="Value"/> for exact and fuzzy matches, <see cref="Min"/> and
    /// <see cref="Max"/> (either may be null) for a range, <see cref="Items"/> for the two kinds of list.</summary>
    public sealed record Term(string Key, Match Match, string Value, string? Min, string? Max, IReadOnlyList<string> Items);

    public readonly record struct Sort(string Key, bool Descending);

    public enum Match
    {
        /// <summary><c>k=v</c> (a leading <c>\</c> escapes the operators).</summary>
        Exact,

        /// <summary><c>k=~v</c>: contains.</summary>
        Fuzzy,

        /// <summary><c>k=[min~max]</c>, inclusive; one end may be open.</summary>
        Range,

        /// <summary><c>k={a b c}</c>: any of them.</summary>
        AnyOf,

        /// <summary><c>k=(a b c)</c>: all of them.</summary>
        AllOf,
    }

    private static Dictionary<string, Term> ParseTerms(string? q)
    {
        var terms = new Dictionary<string, Term>(StringComparer.Ordinal);
        if (string.IsNullOrEmpty(q))
        {
            return terms;
        }

        if (q.Contains('%', StringComparison.Ordinal))
        {
            try
            {
                q = Uri.UnescapeDataString(q);
            }
            catch (UriFormatException)
            {
                throw ApiException.BadRequest("the query string q is not validly percent-encoded");
            }
        }

        foreach (var part in q.Split(','))
        {
            var equals = part.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0 || equals == part.Length - 1)
            {
                throw ApiException.BadRequest("the query string must contain \"=\" and the key/value cannot be empty");
            }

            var key = part[..equals];
            terms[key] = ParseValue(key, part[(equals + 1)..]);
        }

        return terms;
    }

    private static Term ParseValue(string key, string value)
    {
        switch (value[0])
        {
            case '~':
                return value.Length >= 2
                    ? new Term(key, Match.Fuzzy, value[1..], null, null, [])
                    : throw Invalid(value, "a fuzzy match needs at least one character after \"~\"");
            case '[':
                if (value[^1] != ']' || value.Count(c => c == '~') != 1)
                {
                    throw Invalid(value, "a range must start with \"[\", end with \"]\" and hold exactly one \"~\"");
                }

                var ends = value[1..^1].Split('~');
                var min = Scalar(ends[0]);
                var max = Scalar(ends[1]);
                return min.Length == 0 && max.Length == 0
                    ? throw Invalid(value, "a range needs a minimum, a maximum or both")
                    : new Term(key, Match.Range, value, min.Length == 0 ? null : min, max.Length == 0 ? null : max, []);
            case '{':
                return value[^1] == '}' ? new Term(key, Match.AnyOf, value, null, null, Items(value)) : throw Invalid(value, "a list must end with \"}\"");
            case '(':
                return value[^1] == ')' ? new Term(key, Match.AllOf, value, null, null, Items(value)) : throw Invalid(value, "a list must end with \")\"");
            default:
                return new Term(key, Match.Exact, value[0] == '\\' ? value[1..] : value, null, null, []);
        }
    }

    private static List<string> Items(string list) =>
        list[1..^1].Split(' ').Select(Scalar).Where(v => v.Length > 0).ToList();

    /// <summary>A value inside a range or list: trimmed, and unquoted when it is quoted.</summary>
    private static string Scalar(string text) => text.Trim().Trim('"', '\'');

    private static ApiException Invalid(string value, string why) => ApiException.BadRequest($"invalid query string value {value}: {why}");

    private static List<Sort> ParseSorts(string? sort)
    {
        if (string.IsNullOrEmpty(sort))
        {
            return [];
        }

        var sorts = new List<Sort>();
        foreach (var part in sort.Split(','))
        {
            var descending = part.StartsWith('-');
            var key = descending ? part[1..] : part;
            sorts.Add(key.Length > 0 ? new Sort(key, descending) : throw ApiException.BadRequest($"invalid sort {sort}: a key is empty"));
        }

        return sorts;
    }
}
