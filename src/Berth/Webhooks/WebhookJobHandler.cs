using System.Net.Http.Headers;
using System.Text;
using Berth.Jobs;

namespace Berth.Webhooks;

/// <summary>Sends one webhook to one target (job kind <c>webhook</c>): a POST of the rendered body, with the target's <c>auth_header</c>.</summary>
/// <remarks>
/// The policy is read when sending, so a changed secret or certificate setting applies to deliveries still queued; a
/// target removed (or a policy deleted) meanwhile gets nothing. The log says what was sent where and what came back,
/// never the header.
/// </remarks>
public sealed class WebhookJobHandler(WebhookPolicyStore policies, IHttpClientFactory clients) : IJobHandler
{
    public const string JobKind = "webhook";

    public string Kind => JobKind;

    public async Task<IReadOnlyDictionary<string, object?>?> RunAsync(JobContext context, CancellationToken cancellationToken)
    {
        var delivery = context.Parameters<WebhookDelivery>();
        var policy = await policies.FindAsync(delivery.PolicyId, cancellationToken);
        var target = policy?.Targets.FirstOrDefault(t => t.Address == delivery.Address);
        if (target is null)
        {
            context.Log($"webhook policy {delivery.PolicyId} no longer has the target {delivery.Address}; nothing sent");
            return null;
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, target.Address)
        {
            Content = new ByteArrayContent(Encoding.UTF8.GetBytes(delivery.Body)),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue(delivery.ContentType);
        if (target.AuthHeader.Length > 0)
        {
            request.Headers.TryAddWithoutValidation("Authorization", target.AuthHeader);
        }

        request.Options.Set(WebhookHttp.LogKey, context.Log);
        context.Log($"POST {target.Address} ({delivery.PayloadFormat}, {request.Content.Headers.ContentLength} bytes"
            + $"{(target.AuthHeader.Length > 0 ? ", with its Authorization header" : "")}{(target.SkipCertVerify ? ", certificate not verified" : "")})");
        var client = clients.CreateClient(target.SkipCertVerify ? WebhookHttp.Insecure : WebhookHttp.Verified);
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        var answer = $"{(int)response.StatusCode} {response.ReasonPhrase}";
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"{target.Address} answered {answer}", null, response.StatusCode);
        }

        context.Log($"{target.Address} answered {answer}");
        return new Dictionary<string, object?> { ["status_code"] = (int)response.StatusCode };
    }
}
