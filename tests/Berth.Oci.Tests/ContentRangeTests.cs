namespace Berth.Oci.Tests;

public class ContentRangeTests
{
    [Theory]
    [InlineData("0-99", 0, 99)]
    [InlineData("100-100", 100, 100)]
    [InlineData("bytes 5-9", 5, 9)]
    [InlineData("bytes=5-9", 5, 9)]
    [InlineData("5-9/100", 5, 9)]
    public void Parses(string text, long start, long end)
    {
        Assert.True(ContentRange.TryParse(text, out var range));
        Assert.Equal(new ContentRange(start, end), range);
    }

    [Theory]
    [InlineData("")]
    [InlineData("-5")]
    [InlineData("5-")]
    [InlineData("9-5")]
    [InlineData("a-b")]
    [InlineData("-1-5")]
    [InlineData("0-99999999999999999999999")]
    [InlineData("0-9223372036854775807")]
    [InlineData("1 - 2")]
    public void Refuses(string text) => Assert.False(ContentRange.TryParse(text, out _));
}
