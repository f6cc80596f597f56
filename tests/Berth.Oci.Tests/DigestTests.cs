namespace Berth.Oci.Tests;

public class DigestTests
{
    private const string Hex64 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    [Theory]
    [InlineData("sha256:" + Hex64)]
    [InlineData("sha512:cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e")]
    public void Accepts_registered_algorithms(string text)
    {
        Assert.True(Digest.TryParse(text, out var digest));
        Assert.Equal(text, digest.Value);
    }

    [Theory]
    [InlineData("")]
    [InlineData("sha256")]
    [InlineData("sha256:")]
    [InlineData("sha256:E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855")]
    [InlineData("sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85")]
    [InlineData("sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b8555")]
    [InlineData("md5:d41d8cd98f00b204e9800998ecf8427e")]
    [InlineData("sha256:../../../../etc/passwd")]
    [InlineData("sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85/")]
    [InlineData(":" + Hex64)]
    public void Refuses_anything_else(string text) => Assert.False(Digest.TryParse(text, out _));

    [Fact]
    public void Computes_the_empty_digest() =>
        Assert.Equal("sha256:" + Hex64, Digest.Compute(Digest.Sha256, []).Value);

    [Fact]
    public void Equal_digests_are_equal() =>
        Assert.Equal(Digest.Parse("sha256:" + Hex64), Digest.Compute(Digest.Sha256, []));
}
