using Berth.Api;
using Berth.Api.Query;

namespace Berth.Tests.Api;

/// <summary>An allow-list applied to rows in memory: each pattern's meaning per type, unknown keys ignored, bad values a 400.</summary>
/// <remarks>The same expressions run through EF against SQLite in the project and user list tests.</remarks>
public sealed class QueryFieldsTests
{
    private sealed record Row(long Id, string Name, bool Public, DateTime Created);

    private static readonly Row[] Rows =
    [
        new(1, "alpha", true, new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc)),
        new(2, "Beta", false, new DateTime(2024, 6, 1, 12, 0, 0, DateTimeKind.Utc)),
        new(3, "gamma", true, new DateTime(2025, 1, 1, 0, 0, 0, DateTimeKind.Utc)),
        new(4, "alphabet", false, new DateTime(2025, 6, 1, 0, 0, 0, DateTimeKind.Utc)),
    ];

    private static readonly QueryFields<Row> Fields = new QueryFields<Row>()
        .Number("id", r => r.Id)
        .Text("name", r => r.Name)
        .Boolean("public", r => r.Public)
        .Time("created", r => r.Created)
        .Sortable("id", r => r.Id)
        .Sortable("name", r => r.Name)
        .Sortable("created", r => r.Created)
        .DefaultOrder("id", new QuerySort("name", false));

    private static long[] Ids(string? q, string? sort = null)
    {
        var query = HarborQuery.Parse(q, sort);
        return Fields.Sort(Fields.Filter(Rows.AsQueryable(), query), query).Select(r => r.Id).ToArray();
    }

    [Theory]
    [InlineData("name=alpha", new long[] { 1 })]
    [InlineData("name=ALPHA", new long[] { })]
    [InlineData("name=~ALPH", new long[] { 1, 4 })]
    [InlineData("name=~et", new long[] { 2, 4 })]
    [InlineData("name={gamma Beta nothing}", new long[] { 2, 3 })]
    [InlineData("name=(alpha alpha)", new long[] { 1 })]
    [InlineData("name=(alpha beta)", new long[] { })]
    [InlineData("id=[2~3]", new long[] { 2, 3 })]
    [InlineData("id=[~2]", new long[] { 2, 1 })]
    [InlineData("id={1 4 '3'}", new long[] { 1, 4, 3 })]
    [InlineData("public=true", new long[] { 1, 3 })]
    [InlineData("public=0", new long[] { 2, 4 })]
    [InlineData("created=[2024-06-01T12:00:00~]", new long[] { 2, 4, 3 })]
    [InlineData("created=[~2024-06-01 11:59:59]", new long[] { 1 })]
    [InlineData("created=[2024-12-31T23:00:00-01:00~2025-01-01T00:00:00.000Z]", new long[] { 3 })]
    [InlineData("public=true,name=~a", new long[] { 1, 3 })]
    public void Each_pattern_filters_by_its_keys_type(string q, long[] expected) => Assert.Equal(expected, Ids(q));

    [Fact]
    public void Keys_off_the_list_are_ignored_as_harbor_ignores_them()
    {
        Assert.Equal(Ids(null), Ids("password=~a"));
        Assert.Equal(Ids(null), Ids("password=~a", "password"));
        Assert.Equal([2, 1, 4, 3], Ids(null));   // the default order: name (ordinal, as SQLite compares), then id
    }

    [Theory]
    [InlineData("-id", new long[] { 4, 3, 2, 1 })]
    [InlineData("public,-created", new long[] { 4, 3, 2, 1 })]
    [InlineData("-created,name", new long[] { 4, 3, 2, 1 })]
    [InlineData("created", new long[] { 1, 2, 3, 4 })]
    public void Sorts_apply_allowed_keys_in_order(string sort, long[] expected) => Assert.Equal(expected, Ids(null, sort));

    [Theory]
    [InlineData("id=abc")]
    [InlineData("id=~1")]
    [InlineData("id=[a~]")]
    [InlineData("id={1 x}")]
    [InlineData("name=[a~b]")]
    [InlineData("public=maybe")]
    [InlineData("public=~tr")]
    [InlineData("created=yesterday")]
    [InlineData("created=[2024-13-01T00:00:00~]")]
    public void Values_that_do_not_fit_the_key_are_harbors_400(string q)
    {
        var error = Assert.Throws<ApiException>(() => Ids(q));
        Assert.Equal(400, error.Status);
    }
}
