using Amazon.Runtime;
using Amazon.Runtime.CredentialManagement;

namespace Berth.Storage.Drivers.S3;

/// <summary>Finds the driver's credentials: configuration, else the environment, else a shared credentials file profile.</summary>
/// <remarks>
/// Each step is the SDK's own (<see cref="BasicAWSCredentials"/>, <see cref="EnvironmentVariablesAWSCredentials"/>,
/// <see cref="CredentialProfileStoreChain"/>). The SDK's full default chain is not used: past these three it asks the
/// EC2 instance metadata service, which off EC2 only delays startup before failing.
/// </remarks>
public static class S3Credentials
{
    /// <summary>The credentials, and where they came from in words fit for a log line (never their values).</summary>
    /// <exception cref="StorageConfigurationException">No source holds usable credentials.</exception>
    public static (AWSCredentials Credentials, string Source) Resolve(S3StorageOptions options)
    {
        if (options.AccessKey.Length > 0 && options.SecretKey.Length > 0)
        {
            return (new BasicAWSCredentials(options.AccessKey, options.SecretKey), "configuration (Storage:S3:AccessKey)");
        }

        var accessKey = Environment.GetEnvironmentVariable("AWS_ACCESS_KEY_ID");
        if (!string.IsNullOrEmpty(accessKey))
        {
            if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable("AWS_SECRET_ACCESS_KEY")))
            {
                throw new StorageConfigurationException(S3StorageDriver.DriverName,
                    "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not: set both, or neither to use a shared credentials file");
            }

            return (new EnvironmentVariablesAWSCredentials(), "the environment (AWS_ACCESS_KEY_ID)");
        }

        var profile = options.Profile.Length > 0 ? options.Profile
            : Environment.GetEnvironmentVariable("AWS_PROFILE") is { Length: > 0 } fromEnvironment ? fromEnvironment : "default";
        var file = options.CredentialsFile.Length > 0 ? Path.GetFullPath(options.CredentialsFile) : null;
        if (file is not null && !File.Exists(file))
        {
            throw new StorageConfigurationException(S3StorageDriver.DriverName, $"Storage:S3:CredentialsFile '{file}' does not exist");
        }

        var chain = file is null ? new CredentialProfileStoreChain() : new CredentialProfileStoreChain(file);
        AWSCredentials? credentials;
        try
        {
            _ = chain.TryGetAWSCredentials(profile, out credentials);
        }
        catch (Exception ex) when (ex is AmazonClientException or InvalidOperationException or IOException)
        {
            throw new StorageConfigurationException(S3StorageDriver.DriverName,
                $"profile '{profile}' of the shared credentials file cannot be used: {ex.Message}");
        }

        return credentials is not null
            ? (credentials, $"profile '{profile}' of {file ?? "the shared credentials file"}")
            : throw new StorageConfigurationException(S3StorageDriver.DriverName,
                $"no S3 credentials: set Storage:S3:AccessKey and Storage:S3:SecretKey, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, "
                + $"or add profile '{profile}' to {file ?? "~/.aws/credentials"} (Storage:S3:Profile and Storage:S3:CredentialsFile choose them)");
    }
}
