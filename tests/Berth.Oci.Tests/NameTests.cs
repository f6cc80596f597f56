namespace Berth.Oci.Tests;

public class NameTests
{
    [Theory]
    [InlineData("library/alpine")]
    [InlineData("a")]
    [InlineData("a/b/c/d")]
    [InlineData("my-org/my_repo.name")]
    [InlineData("a__b/c---d")]
    public void Valid_repository_names(string name) => Assert.True(RepositoryName.IsValid(name));

    [Theory]
    [InlineData("")]
    [InlineData("Library/alpine")]
    [InlineData("a/../b")]
    [InlineData("..")]
    [InlineData("a/./b")]
    [InlineData("/a")]
    [InlineData("a/")]
    [InlineData("a//b")]
    [InlineData("a___b")]
    [InlineData("-a")]
    [InlineData("a-")]
    [InlineData("a%2e%2e")]
    [InlineData("a b")]
    public void Invalid_repository_names(string name) => Assert.False(RepositoryName.IsValid(name));

    [Fact]
    public void Names_longer_than_255_are_invalid()
    {
        Assert.True(RepositoryName.IsValid(new string('a', 255)));
        Assert.False(RepositoryName.IsValid(new string('a', 256)));
        Assert.False(RepositoryName.IsValid(new string('a', 300)));
    }

    [Theory]
    [InlineData("latest", true)]
    [InlineData("v1.2.3-rc_1", true)]
    [InlineData("_x", true)]
    [InlineData(".x", false)]
    [InlineData("-x", false)]
    [InlineData("a/b", false)]
    [InlineData("", false)]
    public void Tags(string tag, bool valid) => Assert.Equal(valid, TagName.IsValid(tag));

    [Fact]
    public void Tags_are_at_most_128_characters()
    {
        Assert.True(TagName.IsValid(new string('a', 128)));
        Assert.False(TagName.IsValid(new string('a', 129)));
    }
}
