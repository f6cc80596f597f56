using Berth.Storage.Drivers.S3;

namespace Berth.Hosting;

/// <summary>
/// The value of <c>--storage</c>, as settings: <c>s3://BUCKET[/PREFIX][?endpoint=URL&amp;region=R&amp;profile=P&amp;redirect=false]</c>
/// or <c>file:///DIRECTORY</c>.
/// </summary>
/// <remarks>Errors name the problem but never repeat the whole value: a mistyped one may hold a secret.</remarks>
internal static class StorageUrl
{
    public const string Usage = "s3://BUCKET[/PREFIX][?endpoint=URL&region=REGION&profile=NAME&redirect=false] or file:///DIRECTORY";

    private static readonly string[] Parameters = ["endpoint", "region", "profile", "redirect"];

    /// <summary>The configuration keys and values <paramref name="value"/> stands for.</summary>
    /// <exception cref="FormatException">The value is malformed; the message says how.</exception>
    public static Dictionary<string, string?> Parse(string value)
    {
        value = value.Trim();
        if (value.StartsWith("s3://", StringComparison.OrdinalIgnoreCase))
        {
            return ParseS3(value["s3://".Length..]);
        }

        if (value.StartsWith("file://", StringComparison.OrdinalIgnoreCase))
        {
            var directory = Uri.UnescapeDataString(value["file://".Length..]);
            return directory.StartsWith('/') && !directory.Contains('?', StringComparison.Ordinal) && !directory.Contains('#', StringComparison.Ordinal)
                ? new Dictionary<string, string?> { ["Storage:Driver"] = StorageOptions.Filesystem, ["Storage:Filesystem:RootDirectory"] = directory }
                : throw Error("file:// takes an absolute directory, as in file:///var/lib/berth/blobs");
        }

        var scheme = value.IndexOf("://", StringComparison.Ordinal);
        throw Error(scheme > 0 && scheme <= 20
            ? $"unknown scheme '{value[..scheme]}'; expected {Usage}"
            : $"expected {Usage}");
    }

    private static Dictionary<string, string?> ParseS3(string rest)
    {
        if (rest.Contains('#', StringComparison.Ordinal))
        {
            throw Error("a fragment ('#…') has no meaning in an s3:// URL");
        }

        var queryStart = rest.IndexOf('?', StringComparison.Ordinal);
        var location = queryStart < 0 ? rest : rest[..queryStart];
        if (location.Contains('@', StringComparison.Ordinal))
        {
            throw Error("credentials do not belong in the URL, where every process listing shows them: set Storage:S3:AccessKey and "
                + "Storage:S3:SecretKey, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or use a profile of ~/.aws/credentials (profile=NAME)");
        }

        var slash = location.IndexOf('/', StringComparison.Ordinal);
        var options = new S3StorageOptions
        {
            Bucket = slash < 0 ? location : location[..slash],
            Prefix = slash < 0 ? "" : location[(slash + 1)..].TrimEnd('/'),
        };
        if (options.Bucket.Length == 0)
        {
            throw Error($"no bucket; expected {Usage}");
        }

        var settings = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
        {
            ["Storage:Driver"] = StorageOptions.S3,
            ["Storage:S3:Bucket"] = options.Bucket,
            ["Storage:S3:Prefix"] = options.Prefix,
        };
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var pair in queryStart < 0 ? [] : rest[(queryStart + 1)..].Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            var name = Uri.UnescapeDataString(equals < 0 ? pair : pair[..equals]);
            var parameter = Array.Find(Parameters, p => p.Equals(name, StringComparison.OrdinalIgnoreCase))
                ?? throw Error($"unknown parameter '{Shorten(name)}' (known: {string.Join(", ", Parameters)})");
            var text = equals < 0 ? "" : Uri.UnescapeDataString(pair[(equals + 1)..]);
            if (text.Length == 0)
            {
                throw Error($"parameter '{parameter}' has no value");
            }

            if (!seen.Add(parameter))
            {
                throw Error($"parameter '{parameter}' is given twice");
            }

            switch (parameter)
            {
                case "endpoint":
                    options.Endpoint = text;
                    settings["Storage:S3:Endpoint"] = text;
                    break;
                case "region":
                    options.Region = text;
                    settings["Storage:S3:Region"] = text;
                    break;
                case "profile":
                    settings["Storage:S3:Profile"] = text;
                    break;
                default:
                    settings["Storage:S3:Redirect"] = bool.TryParse(text, out var redirect)
                        ? redirect ? "true" : "false"
                        : throw Error($"redirect is true or false, not '{Shorten(text)}'");
                    break;
            }
        }

        // The rules the options check later, reported here against the flag that broke them.
        var errors = options.Validate().Where(e => e.StartsWith("Storage:S3:Bucket", StringComparison.Ordinal)
            || e.StartsWith("Storage:S3:Prefix", StringComparison.Ordinal) || e.StartsWith("Storage:S3:Endpoint", StringComparison.Ordinal)
            || e.StartsWith("Storage:S3:Region", StringComparison.Ordinal)).ToList();
        return errors.Count == 0 ? settings : throw Error(string.Join("; ", errors));
    }

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "…";

    private static FormatException Error(string problem) => new($"--storage: {problem}");
}
