using Berth.Api;

namespace Berth.Artifacts;

/// <summary>
/// What an artifact answer includes: Harbor's <c>with_tag</c> (default true), <c>with_label</c>, <c>with_accessory</c>, and
/// <c>with_immutable_status</c> (without it every tag's <c>immutable</c> is false, as in Harbor).
/// </summary>
/// <remarks>
/// <c>with_scan_overview</c>, <c>with_sbom_overview</c> and <c>with_signature</c> are accepted too: there is no scanner yet,
/// so no overview exists.
/// </remarks>
public sealed record ArtifactOptions(bool WithTag, bool WithLabel, bool WithAccessory, bool WithImmutableStatus = false)
{
    public const string WithImmutableStatusParameter = "with_immutable_status";

    private static readonly string[] Accepted = ["with_scan_overview", "with_sbom_overview", "with_signature", "with_inherited_accessory"];

    public static ArtifactOptions From(HttpRequest request)
    {
        foreach (var name in Accepted)
        {
            Flag(request, name, false);
        }

        return new ArtifactOptions(Flag(request, "with_tag", true), Flag(request, "with_label", false), Flag(request, "with_accessory", false),
            Flag(request, WithImmutableStatusParameter, false));
    }

    /// <summary>A boolean query parameter: <c>true</c>/<c>false</c> or <c>1</c>/<c>0</c>; anything else is a 400.</summary>
    public static bool Flag(HttpRequest request, string name, bool fallback)
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
