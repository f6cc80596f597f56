using Berth.Api;

namespace Berth.Artifacts;

/// <summary>What an artifact answer includes: Harbor's <c>with_tag</c> (default true), <c>with_label</c>, <c>with_accessory</c>.</summary>
/// <remarks>
/// <c>with_immutable_status</c>, <c>with_scan_overview</c>, <c>with_sbom_overview</c> and <c>with_signature</c> are accepted
/// too: there are no immutability rules and no scanner yet, so every tag's <c>immutable</c> is false and no overview exists.
/// </remarks>
public sealed record ArtifactOptions(bool WithTag, bool WithLabel, bool WithAccessory)
{
    private static readonly string[] Accepted =
        ["with_immutable_status", "with_scan_overview", "with_sbom_overview", "with_signature", "with_inherited_accessory"];

    public static ArtifactOptions From(HttpRequest request)
    {
        foreach (var name in Accepted)
        {
            Flag(request, name, false);
        }

        return new ArtifactOptions(Flag(request, "with_tag", true), Flag(request, "with_label", false), Flag(request, "with_accessory", false));
    }

    private static bool Flag(HttpRequest request, string name, bool fallback)
    {
        var text = request.Query[name].FirstOrDefault();
        if (string.IsNullOrEmpty(text))
        {
            return fallback;
        }

        return text switch
        {
            "1" => true,
            "0" => false,
            _ => bool.TryParse(text, out var value) ? value : throw ApiException.BadRequest($"{name} must be true or false"),
        };
    }
}
