using System.Text.RegularExpressions;

namespace Berth.Oci;

/// <summary>The distribution spec's repository name grammar.</summary>
/// <remarks>
/// <c>[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*</c>, at most 255 characters.
/// The grammar admits no <c>..</c> component, no upper case and no empty component, so a valid name can never
/// climb out of a directory; storage paths are still never built from names (only from digests and ids).
/// </remarks>
public static partial class RepositoryName
{
    public const int MaxLength = 255;

    public static bool IsValid(string? name) =>
        name is { Length: > 0 and <= MaxLength } && Grammar().IsMatch(name);

    [GeneratedRegex(@"^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)*$", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex Grammar();
}
