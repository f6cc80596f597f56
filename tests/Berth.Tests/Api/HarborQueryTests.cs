using Berth.Api;
using Berth.Api.Query;

namespace Berth.Tests.Api;

/// <summary>Harbor's <c>q=</c> and <c>sort=</c> grammar: every pattern, the escapes, and malformed input as a 400.</summary>
public sealed class HarborQueryTests
{
    private static readonly TermComparer Terms = new();

    private static QueryTerm Single(string q) => Assert.Single(HarborQuery.Parse(q, null).Terms);

    [Fact]
    public void Exact_fuzzy_range_and_lists()
    {
        var query = HarborQuery.Parse("name=alpha,owner=~bo,project_id=[3~9],tag={a b  'c'},label=(x \"y\")", null);
        Assert.Equal(
        [
            QueryTerm.Exact("name", "alpha"),
            QueryTerm.Fuzzy("owner", "bo"),
            new QueryTerm("project_id", QueryMatch.Range, [], "3", "9"),
            new QueryTerm("tag", QueryMatch.AnyOf, ["a", "b", "c"]),
            new QueryTerm("label", QueryMatch.AllOf, ["x", "y"]),
        ], query.Terms, Terms);
    }

    [Theory]
    [InlineData("creation_time=[2020-01-01T00:00:00~]", "2020-01-01T00:00:00", null)]
    [InlineData("creation_time=[~2020-01-01 00:00:00]", null, "2020-01-01 00:00:00")]
    [InlineData("n=[ 1 ~ 2 ]", "1", "2")]
    public void Ranges_may_leave_out_one_bound(string q, string? min, string? max)
    {
        var term = Single(q);
        Assert.Equal(QueryMatch.Range, term.Match);
        Assert.Equal(min, term.Min);
        Assert.Equal(max, term.Max);
    }

    [Fact]
    public void A_backslash_makes_a_pattern_character_literal_and_values_may_hold_equals_signs()
    {
        Assert.Equal(QueryTerm.Exact("name", "~tilde"), Single("name=\\~tilde"), Terms);
        Assert.Equal(QueryTerm.Exact("k", "a=b"), Single("k=a=b"), Terms);
        Assert.Equal(new QueryTerm("k", QueryMatch.AnyOf, []), Single("k={}"), Terms);
    }

    [Fact]
    public void The_text_is_decoded_once_more_as_harbor_does_and_left_alone_when_that_fails()
    {
        Assert.Equal(QueryTerm.Fuzzy("name", "a b"), Single("name%3D~a%20b"), Terms);
        Assert.Equal(QueryTerm.Fuzzy("name", "a b"), Single("name=~a+b"), Terms);
        Assert.Equal(QueryTerm.Exact("name", "100%"), Single("name=100%"), Terms);
        Assert.Equal(QueryTerm.Exact("name", "é"), Single("name=%C3%A9"), Terms);
    }

    [Fact]
    public void A_key_given_twice_keeps_its_last_pattern_and_with_overrides_q()
    {
        var query = HarborQuery.Parse("name=a,public=true,name=~b", null);
        Assert.Equal([QueryTerm.Exact("public", "true"), QueryTerm.Fuzzy("name", "b")], query.Terms, Terms);
        Assert.Equal([QueryTerm.Exact("public", "true"), QueryTerm.Exact("name", "c")], query.With(QueryTerm.Exact("name", "c")).Terms, Terms);
    }

    [Fact]
    public void Sort_keys_in_order_with_descending_marked_by_a_minus()
    {
        var query = HarborQuery.Parse(null, "name,-creation_time");
        Assert.Equal([new QuerySort("name", false), new QuerySort("creation_time", true)], query.Sorts);
        Assert.Empty(HarborQuery.Parse("", "").Sorts);
        Assert.Empty(HarborQuery.Parse("", "").Terms);
    }

    [Theory]
    [InlineData("name")]
    [InlineData("=value")]
    [InlineData("name=")]
    [InlineData("a=1,,b=2")]
    [InlineData("a=1,")]
    [InlineData("name=~")]
    [InlineData("id=[1~2")]
    [InlineData("id=[1~2~3]")]
    [InlineData("id=[12]")]
    [InlineData("id=[ ~ ]")]
    [InlineData("id=[")]
    [InlineData("tag={a b")]
    [InlineData("tag={")]
    [InlineData("tag=(a b")]
    [InlineData("tag=(a b}")]
    public void Malformed_queries_are_harbors_400(string q)
    {
        var error = Assert.Throws<ApiException>(() => HarborQuery.Parse(q, null));
        Assert.Equal(400, error.Status);
        Assert.Equal("BAD_REQUEST", error.Code);
    }

    private sealed class TermComparer : IEqualityComparer<QueryTerm>
    {
        public bool Equals(QueryTerm? x, QueryTerm? y) =>
            x is not null && y is not null && x.Key == y.Key && x.Match == y.Match && x.Values.SequenceEqual(y.Values) && x.Min == y.Min && x.Max == y.Max;

        public int GetHashCode(QueryTerm obj) => obj.Key.GetHashCode(StringComparison.Ordinal);
    }
}
