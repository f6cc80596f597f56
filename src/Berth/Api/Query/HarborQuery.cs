using System.Text;

namespace Berth.Api.Query;

/// <summary>
/// A parsed <c>q=</c> and <c>sort=</c>, Harbor's list query language: <c>q=k=v,k2=~v2,k3=[min~max],k4={a b},k5=(a b)</c> and
/// <c>sort=name,-creation_time</c>. Parsing knows no keys: each endpoint's <see cref="QueryFields{T}"/> decides which apply.
/// </summary>
/// <remarks>
/// Follows Harbor's parser (<c>src/lib/q/builder.go</c>): the text is URL-decoded once more (Harbor's portal encodes it twice),
/// terms are split on <c>,</c> and list members on spaces, list and range members lose surrounding quotes, a leading
/// <c>\</c> escapes an exact value that would otherwise read as a pattern, and a key given twice keeps its last pattern.
/// Malformed text is a 400 with Harbor's message, never a 500.
/// </remarks>
public sealed class HarborQuery
{
    private HarborQuery(IReadOnlyList<QueryTerm> terms, IReadOnlyList<QuerySort> sorts)
    {
        Terms = terms;
        Sorts = sorts;
    }

    public static HarborQuery Empty { get; } = new([], []);

    public IReadOnlyList<QueryTerm> Terms { get; }

    public IReadOnlyList<QuerySort> Sorts { get; }

    /// <summary>Reads <c>q</c> and <c>sort</c> from a request's query string.</summary>
    public static HarborQuery From(HttpRequest request) =>
        Parse(request.Query["q"].FirstOrDefault(), request.Query["sort"].FirstOrDefault());

    /// <exception cref="ApiException">400 when <paramref name="q"/> is malformed.</exception>
    public static HarborQuery Parse(string? q, string? sort)
    {
        var terms = new List<QueryTerm>();
        if (!string.IsNullOrEmpty(q))
        {
            foreach (var part in (UnescapeOnce(q) ?? q).Split(','))
            {
                var equals = part.IndexOf('=', StringComparison.Ordinal);
                if (equals <= 0 || equals == part.Length - 1)
                {
                    throw ApiException.BadRequest("the query string must contain \"=\" and the key/value cannot be empty");
                }

                var term = ParsePattern(part[..equals], part[(equals + 1)..])
                    ?? throw ApiException.BadRequest($"invalid query string value: {part[(equals + 1)..]}");
                terms.RemoveAll(t => t.Key == term.Key);
                terms.Add(term);
            }
        }

        var sorts = new List<QuerySort>();
        if (!string.IsNullOrEmpty(sort))
        {
            foreach (var key in sort.Split(','))
            {
                sorts.Add(key.StartsWith('-') ? new QuerySort(key[1..], true) : new QuerySort(key, false));
            }
        }

        return new HarborQuery(terms, sorts);
    }

    /// <summary>This query with <paramref name="term"/> in place of any term on the same key, as Harbor lets named parameters override <c>q</c>.</summary>
    public HarborQuery With(QueryTerm term) => new([.. Terms.Where(t => t.Key != term.Key), term], Sorts);

    private static QueryTerm? ParsePattern(string key, string value) => value[0] switch
    {
        '~' => value.Length < 2 ? null : QueryTerm.Fuzzy(key, value[1..]),
        '[' => ParseRange(key, value),
        '{' => ParseList(key, value, '}', QueryMatch.AnyOf),
        '(' => ParseList(key, value, ')', QueryMatch.AllOf),
        '\\' => QueryTerm.Exact(key, value[1..]),
        _ => QueryTerm.Exact(key, value),
    };

    private static QueryTerm? ParseRange(string key, string value)
    {
        if (value.Length < 2 || value[^1] != ']' || value.Count(c => c == '~') != 1)
        {
            return null;
        }

        var bounds = value[1..^1].Split('~');
        var min = bounds[0].Trim();
        var max = bounds[1].Trim();
        if (min.Length == 0 && max.Length == 0)
        {
            return null;
        }

        return new QueryTerm(key, QueryMatch.Range, [], min.Length == 0 ? null : Unquote(min), max.Length == 0 ? null : Unquote(max));
    }

    private static QueryTerm? ParseList(string key, string value, char close, QueryMatch match)
    {
        if (value.Length < 2 || value[^1] != close)
        {
            return null;
        }

        var members = value[1..^1].Split(' ').Select(Unquote).Where(v => v.Length > 0).ToList();
        return new QueryTerm(key, match, members);
    }

    private static string Unquote(string value) => value.Trim().Trim('"', '\'');

    /// <summary>Go's <c>url.QueryUnescape</c>: <c>%XX</c> and <c>+</c> decoded; null for a malformed escape, which Harbor then leaves as it is.</summary>
    private static string? UnescapeOnce(string text)
    {
        if (!text.Contains('%', StringComparison.Ordinal) && !text.Contains('+', StringComparison.Ordinal))
        {
            return text;
        }

        var bytes = new List<byte>(text.Length);
        var i = 0;
        while (i < text.Length)
        {
            if (text[i] == '%')
            {
                if (i + 2 >= text.Length || !Uri.IsHexDigit(text[i + 1]) || !Uri.IsHexDigit(text[i + 2]))
                {
                    return null;
                }

                bytes.Add(Convert.ToByte(text.Substring(i + 1, 2), 16));
                i += 3;
                continue;
            }

            var next = text.IndexOf('%', i);
            var run = next < 0 ? text[i..] : text[i..next];
            bytes.AddRange(Encoding.UTF8.GetBytes(run.Replace('+', ' ')));
            i += run.Length;
        }

        return Encoding.UTF8.GetString(bytes.ToArray());
    }
}
