using Berth.Api;
using Berth.Oci;

namespace Berth.Artifacts;

/// <summary>The <c>{repository_name}</c> of an API path: the part after the project, as Harbor's clients encode it.</summary>
/// <remarks>
/// A name with slashes arrives encoded: <c>a%2Fb</c>, or, as the swagger asks and the Terraform provider sends it, twice
/// (<c>a%252Fb</c>). Kestrel decodes every escape of a path except <c>%2F</c>, so both reach the route as <c>a%2Fb</c>, and
/// one more decoding gives <c>a/b</c>, as Harbor's own handler does. The full name must then be a valid repository name.
/// </remarks>
public static class RepositoryPath
{
    public static string Full(string project, string repositoryName)
    {
        var full = project + "/" + Uri.UnescapeDataString(repositoryName);
        return RepositoryName.IsValid(full)
            ? full
            : throw ApiException.BadRequest($"invalid repository name {(full.Length <= 300 ? full : full[..300] + "…")}");
    }
}
