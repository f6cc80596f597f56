using Berth.Hosting;

namespace Berth.Tests.Storage;

/// <summary><c>--storage</c>: what each URL sets, and that a malformed one says what is wrong without repeating secrets.</summary>
public sealed class StorageUrlTests
{
    [Fact]
    public void An_s3_url_sets_the_driver_bucket_prefix_and_the_parameters_it_names()
    {
        var settings = StorageUrl.Parse("s3://my-bucket/berth/prod/?endpoint=http%3A%2F%2F127.0.0.1%3A9000&Region=eu-west-3&profile=minio&redirect=FALSE");
        Assert.Equal(new Dictionary<string, string?>
        {
            ["Storage:Driver"] = "s3",
            ["Storage:S3:Bucket"] = "my-bucket",
            ["Storage:S3:Prefix"] = "berth/prod",
            ["Storage:S3:Endpoint"] = "http://127.0.0.1:9000",
            ["Storage:S3:Region"] = "eu-west-3",
            ["Storage:S3:Profile"] = "minio",
            ["Storage:S3:Redirect"] = "false",
        }, settings);
    }

    [Fact]
    public void A_bare_bucket_keeps_the_other_settings_where_they_come_from()
    {
        var settings = StorageUrl.Parse("s3://bucket?endpoint=http://127.0.0.1:9000");
        Assert.Equal("", settings["Storage:S3:Prefix"]);
        Assert.Equal("http://127.0.0.1:9000", settings["Storage:S3:Endpoint"]);
        Assert.False(settings.ContainsKey("Storage:S3:Region"));
        Assert.False(settings.ContainsKey("Storage:S3:Redirect"));
    }

    [Fact]
    public void A_file_url_names_the_filesystem_directory()
    {
        Assert.Equal(new Dictionary<string, string?>
        {
            ["Storage:Driver"] = "filesystem",
            ["Storage:Filesystem:RootDirectory"] = "/var/lib/berth blobs",
        }, StorageUrl.Parse("file:///var/lib/berth%20blobs"));
    }

    [Theory]
    [InlineData("s3://", "no bucket")]
    [InlineData("s3:///prefix", "no bucket")]
    [InlineData("s3://b", "'b' is not an S3 bucket name")]
    [InlineData("s3://bucket..name", "is not an S3 bucket name")]
    [InlineData("s3://bucket/a//b", "Storage:S3:Prefix 'a//b'")]
    [InlineData("s3://bucket/a/../b", "Storage:S3:Prefix")]
    [InlineData("s3://bucket#frag", "a fragment")]
    [InlineData("s3://bucket?region", "parameter 'region' has no value")]
    [InlineData("s3://bucket?region=a&region=b", "parameter 'region' is given twice")]
    [InlineData("s3://bucket?region=Not A Region", "is not a region name")]
    [InlineData("s3://bucket?endpoint=http://u:p@host:9000", "Storage:S3:Endpoint must be")]
    [InlineData("s3://bucket?endpoint=http://host:9000/path", "Storage:S3:Endpoint must be")]
    [InlineData("s3://bucket?redirect=yes", "redirect is true or false")]
    [InlineData("file://relative/dir", "absolute directory")]
    [InlineData("/just/a/path", "expected s3://BUCKET")]
    [InlineData("", "expected s3://BUCKET")]
    public void A_malformed_url_is_refused_naming_the_problem(string url, string problem)
    {
        var error = Assert.Throws<FormatException>(() => StorageUrl.Parse(url));
        Assert.StartsWith("--storage: ", error.Message, StringComparison.Ordinal);
        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("s3://AKIAEXAMPLE:wJalrXUtnFEMI@bucket/prefix")]
    [InlineData("s3://token@bucket")]
    [InlineData("minio://AKIAEXAMPLE:wJalrXUtnFEMI@host/bucket")]
    public void Credentials_in_the_url_are_refused_and_never_repeated(string url)
    {
        var error = Assert.Throws<FormatException>(() => StorageUrl.Parse(url));
        Assert.DoesNotContain("wJalrXUtnFEMI", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("token", error.Message, StringComparison.Ordinal);
    }
}
