using Berth.Distribution;

namespace Berth.Auth;

/// <summary>What each <c>/v2/</c> route requires, asked of the one RBAC evaluator before any handler runs.</summary>
/// <remarks>
/// Reads need <c>pull</c>; uploads and manifest pushes need <c>push</c>; deletes need <c>delete</c>; the catalog needs a
/// system administrator; <c>GET /v2/</c> needs any valid credentials (that is how <c>docker login</c> checks them). A
/// cross-repository mount additionally needs <c>pull</c> on its source, checked where the mount happens.
/// </remarks>
public static class RegistryAuthorization
{
    public static async Task AuthorizeAsync(HttpContext context, V2Route route)
    {
        var principal = await RegistryPrincipal.GetAsync(context);
        var method = context.Request.Method;
        switch (route.Kind)
        {
            case V2RouteKind.Base:
                if (principal.IsAnonymous || principal.CredentialsRefused)
                {
                    throw principal.Refuse(context, null);
                }

                return;
            case V2RouteKind.Catalog:
                if (!principal.CanReadCatalog)
                {
                    throw principal.Refuse(context, "registry:catalog:*");
                }

                return;
        }

        var (action, scopeActions) = route.Kind switch
        {
            V2RouteKind.Uploads or V2RouteKind.Upload => (Rbac.Push, "pull,push"),
            V2RouteKind.Manifest when HttpMethods.IsPut(method) => (Rbac.Push, "pull,push"),
            V2RouteKind.Manifest or V2RouteKind.Blob when HttpMethods.IsDelete(method) => (Rbac.Delete, "delete"),
            _ => (Rbac.Pull, "pull"),
        };
        if (principal.CredentialsRefused || !await principal.CanAsync(context, route.Name, action))
        {
            throw principal.Refuse(context, $"repository:{route.Name}:{scopeActions}");
        }
    }
}
