namespace Berth.Api.Query;

/// <summary>One <c>key=pattern</c> of a <c>q=</c> query, its values still text; the endpoint's allow-list types them.</summary>
/// <param name="Key">The key, matched against the endpoint's allow-list.</param>
/// <param name="Match">Which pattern the value was written in.</param>
/// <param name="Values">The value of an exact or fuzzy match, or the members of a list.</param>
/// <param name="Min">A range's lower bound, if it has one.</param>
/// <param name="Max">A range's upper bound, if it has one.</param>
public sealed record QueryTerm(string Key, QueryMatch Match, IReadOnlyList<string> Values, string? Min = null, string? Max = null)
{
    public static QueryTerm Exact(string key, string value) => new(key, QueryMatch.Exact, [value]);

    public static QueryTerm Fuzzy(string key, string value) => new(key, QueryMatch.Fuzzy, [value]);
}
