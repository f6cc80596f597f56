using Berth.Storage.Drivers.S3;

namespace Berth.Storage.Tests;

/// <summary>Where the S3 driver's credentials come from, and what it says when it has none or the wrong ones.</summary>
public sealed class S3CredentialsTests : IDisposable
{
    private const string LeakCanary = "secret-that-must-never-be-shown";

    private readonly string _directory = Directory.CreateTempSubdirectory("berth-aws-").FullName;
    private readonly string _file;

    public S3CredentialsTests()
    {
        Assert.True(Environment.GetEnvironmentVariable("AWS_ACCESS_KEY_ID") is null,
            "AWS_ACCESS_KEY_ID is set in the test environment: it would win over the file these tests write (./test.sh unsets it)");
        _file = Path.Join(_directory, "credentials");
        File.WriteAllText(_file, $"""
            [berth-test]
            aws_access_key_id = {S3TestStore.AccessKey}
            aws_secret_access_key = {S3TestStore.SecretKey}

            [wrong]
            aws_access_key_id = NOTAKEYOFTHESERVER
            aws_secret_access_key = {LeakCanary}
            """);
    }

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private S3StorageOptions FileOptions(string profile)
    {
        var options = S3TestStore.Options();
        options.AccessKey = "";
        options.SecretKey = "";
        options.CredentialsFile = _file;
        options.Profile = profile;
        return options;
    }

    [Fact]
    public async Task Credentials_come_from_a_profile_of_the_shared_credentials_file()
    {
        var options = FileOptions("berth-test");
        var (credentials, source) = S3Credentials.Resolve(options);
        Assert.Equal($"profile 'berth-test' of {_file}", source);
        using var driver = new S3StorageDriver(options, credentials);
        await driver.PutContentAsync("/c", "via the file"u8.ToArray(), Token);
        Assert.Equal("via the file"u8.ToArray(), await driver.GetContentAsync("/c", Token));
        await driver.DeleteAsync("/c", Token);
    }

    [Fact]
    public async Task A_key_the_store_does_not_know_is_refused_clearly_and_the_secret_is_never_shown()
    {
        var options = FileOptions("wrong");
        using var driver = new S3StorageDriver(options, S3Credentials.Resolve(options).Credentials);
        var error = await Assert.ThrowsAsync<StorageException>(() => driver.PutContentAsync("/c", "x"u8.ToArray(), Token));
        Assert.IsNotType<StorageUnavailableException>(error);
        Assert.Contains("InvalidAccessKeyId", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(LeakCanary, error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Configured_keys_win_over_the_file()
    {
        var options = FileOptions("wrong");
        options.AccessKey = S3TestStore.AccessKey;
        options.SecretKey = S3TestStore.SecretKey;
        var (credentials, source) = S3Credentials.Resolve(options);
        Assert.Equal("configuration (Storage:S3:AccessKey)", source);
        Assert.Equal(S3TestStore.AccessKey, credentials.GetCredentials().AccessKey);
    }

    [Fact]
    public void Without_credentials_the_error_names_every_place_they_may_come_from()
    {
        var error = Assert.Throws<StorageConfigurationException>(() => S3Credentials.Resolve(FileOptions("absent")));
        Assert.Contains("Storage:S3:AccessKey", error.Message, StringComparison.Ordinal);
        Assert.Contains("AWS_ACCESS_KEY_ID", error.Message, StringComparison.Ordinal);
        Assert.Contains($"profile 'absent' to {_file}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_credentials_file_that_is_not_there_is_named()
    {
        var options = FileOptions("berth-test");
        options.CredentialsFile = Path.Join(_directory, "nope");
        var error = Assert.Throws<StorageConfigurationException>(() => S3Credentials.Resolve(options));
        Assert.Contains("nope' does not exist", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Half_a_key_pair_in_configuration_is_refused_without_quoting_it()
    {
        var options = S3TestStore.Options();
        options.SecretKey = "";
        options.AccessKey = LeakCanary;
        var errors = options.Validate();
        Assert.Contains(errors, e => e.Contains("go together", StringComparison.Ordinal));
        Assert.DoesNotContain(errors, e => e.Contains(LeakCanary, StringComparison.Ordinal));
    }
}
