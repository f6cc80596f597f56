using System.Text.RegularExpressions;

namespace Berth.Oci;

/// <summary>The distribution spec's tag grammar: <c>[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}</c>.</summary>
public static partial class TagName
{
    public static bool IsValid(string? tag) => tag is { Length: > 0 and <= 128 } && Grammar().IsMatch(tag);

    [GeneratedRegex(@"^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$", RegexOptions.CultureInvariant)]
    private static partial Regex Grammar();
}
