using System.Net;
using Berth.Testing;

namespace Berth.Tests.Storage;

/// <summary><c>berth serve --storage s3://…</c> as a real process: the flag, credentials from the environment, and its errors.</summary>
public sealed class S3ProcessTests : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("berth-s3-process-").FullName;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public void Dispose() => Directory.Delete(_work, recursive: true);

    [Fact]
    public async Task Serve_keeps_blobs_where_the_storage_url_says_with_credentials_from_the_environment()
    {
        // The shared credentials file holds a key the store refuses: the environment's must win over it.
        var home = Path.Join(_work, "home");
        Directory.CreateDirectory(Path.Join(home, ".aws"));
        await File.WriteAllTextAsync(Path.Join(home, ".aws", "credentials"), "[default]\naws_access_key_id = REFUSED\naws_secret_access_key = refused\n", Token);
        var prefix = S3TestServer.NewPrefix();
        var url = $"s3://{S3TestServer.Bucket}/{prefix}?endpoint={S3TestServer.Endpoint}&region=us-east-1&redirect=false";
        await using var berth = await BerthProcess.StartServingAsync(_work, ["serve", "--data-dir", Path.Join(_work, "data"), "--storage", url],
            new Dictionary<string, string>
            {
                ["HOME"] = home,
                ["AWS_ACCESS_KEY_ID"] = S3TestServer.AccessKey,
                ["AWS_SECRET_ACCESS_KEY"] = S3TestServer.SecretKey,
                ["BERTH__Admin__Password"] = TestCredentials.AdminPassword,
            });
        using var client = new HttpClient { BaseAddress = berth.Address };
        client.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", TestCredentials.AdminAuthorization);
        var blob = TestBlob.Random(100_000);
        RegistryClient.Expect(await client.PushBlobAsync("library/s3-process", blob), HttpStatusCode.Created);
        Assert.Equal(blob.Content, await client.GetByteArrayAsync($"/v2/library/s3-process/blobs/{blob.Digest}", Token));
        Assert.DoesNotContain(Directory.EnumerateFiles(Path.Join(_work, "data"), "*", SearchOption.AllDirectories),
            f => f.Contains("blobs", StringComparison.Ordinal));

        Assert.Contains($"S3 bucket {S3TestServer.Bucket}, key prefix {prefix}", berth.Output, StringComparison.Ordinal);
        Assert.Contains("credentials from the environment (AWS_ACCESS_KEY_ID)", berth.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(S3TestServer.SecretKey, berth.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("s3://user:hunter2@bucket/prefix", "credentials do not belong in the URL")]
    [InlineData("s3://Not_A_Bucket", "'Not_A_Bucket' is not an S3 bucket name")]
    [InlineData("s3://bucket?endpoint=localhost:9000", "Storage:S3:Endpoint must be an absolute http:// or https:// URL")]
    [InlineData("s3://bucket?region=us-east-1&colour=blue", "unknown parameter 'colour'")]
    [InlineData("gs://bucket", "unknown scheme 'gs'")]
    public async Task A_malformed_storage_url_stops_startup_with_one_line_naming_the_problem(string url, string problem)
    {
        await using var berth = BerthProcess.Start(_work, ["serve", "--listen", "127.0.0.1:0", "--data-dir", Path.Join(_work, "data"), "--storage", url]);
        Assert.Equal(2, await berth.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains("berth: --storage: ", berth.Output, StringComparison.Ordinal);
        Assert.Contains(problem, berth.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", berth.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_credentials_anywhere_startup_says_where_they_may_come_from()
    {
        var home = Path.Join(_work, "empty-home");
        Directory.CreateDirectory(home);
        await using var berth = BerthProcess.Start(_work,
            ["serve", "--listen", "127.0.0.1:0", "--data-dir", Path.Join(_work, "data"), "--storage", "s3://bucket?endpoint=http://127.0.0.1:9"],
            new Dictionary<string, string> { ["HOME"] = home });
        Assert.Equal(2, await berth.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains("berth: invalid configuration: no S3 credentials", berth.Output, StringComparison.Ordinal);
    }
}
