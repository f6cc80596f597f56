namespace Berth.Api.Query;

/// <summary>The five patterns of Harbor's <c>q=</c> language.</summary>
public enum QueryMatch
{
    /// <summary><c>k=v</c></summary>
    Exact,

    /// <summary><c>k=~v</c>: the value contains <c>v</c>, ignoring case.</summary>
    Fuzzy,

    /// <summary><c>k=[min~max]</c>, either bound may be left out.</summary>
    Range,

    /// <summary><c>k={a b c}</c>: any of the values.</summary>
    AnyOf,

    /// <summary><c>k=(a b c)</c>: all of the values.</summary>
    AllOf,
}
