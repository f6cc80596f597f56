using System.Net;
using Berth.Api;
using Berth.Events;

namespace Berth.Webhooks;

/// <summary>Checks a policy body as Harbor does and turns it into a <see cref="WebhookPolicy"/>; anything wrong is a 400.</summary>
/// <remarks>
/// As in Harbor: at least one event type, each one Harbor knows; at least one target of type <c>http</c> with an absolute
/// http(s) address, kept as scheme, host and path only (Harbor drops the rest against SSRF); payload format
/// <c>Default</c> (when left out) or <c>CloudEvents</c>. Berth also wants a name, refuses addresses on link-local and
/// metadata IPs, and refuses an <c>auth_header</c> that would break out of its header line.
/// </remarks>
public static class WebhookPolicyValidator
{
    private const int MaxTargets = 20;

    public static WebhookPolicy Validate(WebhookPolicyBody body)
    {
        var name = body.Name?.Trim() ?? "";
        if (name.Length is 0 or > 256)
        {
            throw ApiException.BadRequest("name is required and must be at most 256 characters");
        }

        if ((body.Description?.Length ?? 0) > 1024)
        {
            throw ApiException.BadRequest("description must be at most 1024 characters");
        }

        var eventTypes = body.EventTypes ?? [];
        if (eventTypes.Count == 0)
        {
            throw ApiException.BadRequest("empty event type");
        }

        foreach (var type in eventTypes)
        {
            if (type is null || !EventTypes.CloudEventTypes.ContainsKey(type))
            {
                throw ApiException.BadRequest($"unsupported event type {type}");
            }
        }

        var targets = body.Targets ?? [];
        if (targets.Count == 0)
        {
            throw ApiException.BadRequest($"empty notification target with policy {name}");
        }

        if (targets.Count > MaxTargets)
        {
            throw ApiException.BadRequest($"a policy has at most {MaxTargets} targets");
        }

        return new WebhookPolicy
        {
            Name = name,
            Description = body.Description ?? "",
            EventTypes = eventTypes.Distinct(StringComparer.Ordinal).ToList()!,
            Targets = targets.Select(t => Target(t, name)).ToList(),
            Enabled = body.Enabled ?? false,
        };
    }

    private static WebhookTarget Target(WebhookTargetBody? target, string policy)
    {
        if (target is null)
        {
            throw ApiException.BadRequest($"a target of policy {policy} is null");
        }

        if (target.Type != WebhookTarget.Http)
        {
            throw ApiException.BadRequest($"unsupported target type {target.Type} with policy {policy}; Berth sends http webhooks only");
        }

        var format = string.IsNullOrEmpty(target.PayloadFormat) ? WebhookTarget.DefaultFormat : target.PayloadFormat;
        if (format is not (WebhookTarget.DefaultFormat or WebhookTarget.CloudEventsFormat))
        {
            throw ApiException.BadRequest($"unsupported payload format type: {target.PayloadFormat}");
        }

        var authHeader = target.AuthHeader ?? "";
        if (authHeader.Length > 4096 || authHeader.Any(c => c is '\r' or '\n' or '\0'))
        {
            throw ApiException.BadRequest("auth_header must be one line of at most 4096 characters");
        }

        return new WebhookTarget
        {
            Type = WebhookTarget.Http,
            Address = Address(target.Address),
            AuthHeader = authHeader,
            SkipCertVerify = target.SkipCertVerify ?? false,
            PayloadFormat = format,
        };
    }

    /// <summary>An absolute http(s) URL, reduced to scheme, host, port and path as Harbor keeps it.</summary>
    private static string Address(string? address)
    {
        if (string.IsNullOrWhiteSpace(address) || address.Length > 2048
            || !Uri.TryCreate(address.Trim(), UriKind.Absolute, out var uri)
            || uri.Scheme is not ("http" or "https") || string.IsNullOrEmpty(uri.Host))
        {
            throw ApiException.BadRequest($"invalid target address '{address}': it must be an absolute http or https URL");
        }

        if (IPAddress.TryParse(uri.DnsSafeHost, out var ip) && WebhookEgress.IsForbidden(ip))
        {
            throw ApiException.BadRequest($"invalid target address '{address}': webhooks may not reach link-local, metadata or multicast addresses");
        }

        return uri.GetComponents(UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.UriEscaped);
    }
}
