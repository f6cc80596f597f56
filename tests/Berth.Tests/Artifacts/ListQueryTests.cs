using Berth.Api;
using Berth.Artifacts;

namespace Berth.Tests.Artifacts;

public sealed class ListQueryTests
{
    [Fact]
    public void Parses_every_kind_of_term()
    {
        var query = ListQuery.Parse("name=nginx,tags=~v1,size=[10~20],digest={a b},labels=(1 2),push_time=[~2024-01-01 00:00:00],x=\\~lit", null);
        Assert.Equal(new ListQuery.Term("name", ListQuery.Match.Exact, "nginx", null, null, []), query.Terms["name"] with { Items = [] });
        Assert.Equal(ListQuery.Match.Fuzzy, query.Terms["tags"].Match);
        Assert.Equal("v1", query.Terms["tags"].Value);
        Assert.Equal(("10", "20"), (query.Terms["size"].Min, query.Terms["size"].Max));
        Assert.Equal(ListQuery.Match.AnyOf, query.Terms["digest"].Match);
        Assert.Equal(["a", "b"], query.Terms["digest"].Items);
        Assert.Equal(ListQuery.Match.AllOf, query.Terms["labels"].Match);
        Assert.Equal(["1", "2"], query.Terms["labels"].Items);
        Assert.Null(query.Terms["push_time"].Min);
        Assert.Equal("2024-01-01 00:00:00", query.Terms["push_time"].Max);
        Assert.Equal(ListQuery.Match.Exact, query.Terms["x"].Match);
        Assert.Equal("~lit", query.Terms["x"].Value);
    }

    [Fact]
    public void A_repeated_key_keeps_its_last_value_and_a_plus_stays_a_plus()
    {
        Assert.Equal("b", ListQuery.Parse("k=a,k=b", null).Terms["k"].Value);
        Assert.Equal("application/vnd.oci.image.config.v1+json", ListQuery.Parse("media_type=application/vnd.oci.image.config.v1+json", null).Terms["media_type"].Value);
        // Escapes left after the query string's own decoding are decoded once more, as Harbor does (q=tags%253Dnil).
        Assert.Equal("nil", ListQuery.Parse("tags%3Dnil", null).Terms["tags"].Value);
        Assert.Equal("a+b", ListQuery.Parse("k=a%2Bb", null).Terms["k"].Value);
    }

    [Fact]
    public void Quoted_list_and_range_values_are_unquoted()
    {
        var query = ListQuery.Parse("a={\"x\" 'y'},b=[\"1\"~'2']", null);
        Assert.Equal(["x", "y"], query.Terms["a"].Items);
        Assert.Equal(("1", "2"), (query.Terms["b"].Min, query.Terms["b"].Max));
    }

    [Fact]
    public void Parses_sorts()
    {
        var query = ListQuery.Parse(null, "name,-push_time");
        Assert.Equal([new ListQuery.Sort("name", false), new ListQuery.Sort("push_time", true)], query.Sorts);
        Assert.Empty(ListQuery.Parse("", "").Sorts);
        Assert.Empty(ListQuery.Parse("", "").Terms);
    }

    [Theory]
    [InlineData("k", null)]
    [InlineData("=v", null)]
    [InlineData("k=", null)]
    [InlineData("k=v,", null)]
    [InlineData("k=~", null)]
    [InlineData("k=[1~2", null)]
    [InlineData("k=[1~2~3]", null)]
    [InlineData("k=[~]", null)]
    [InlineData("k={a b", null)]
    [InlineData("k=(a b", null)]
    [InlineData(null, "a,,b")]
    [InlineData(null, "-")]
    public void Malformed_text_is_a_400(string? q, string? sort)
    {
        var error = Assert.Throws<ApiException>(() => ListQuery.Parse(q, sort));
        Assert.Equal(400, error.Status);
        Assert.Equal("BAD_REQUEST", error.Code);
    }
}
