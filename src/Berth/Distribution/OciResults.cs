using System.Text.Json;
using Berth.Oci;

namespace Berth.Distribution;

/// <summary>Writes the spec's error body and the headers every <c>/v2/</c> response carries.</summary>
public static class OciResults
{
    public const string ApiVersionHeader = "Docker-Distribution-API-Version";
    public const string ApiVersion = "registry/2.0";
    public const string ContentDigestHeader = "Docker-Content-Digest";

    /// <summary><c>{"errors":[{"code":…,"message":…,"detail":…}]}</c> with the error's status.</summary>
    public static async Task WriteErrorAsync(HttpContext context, OciError error)
    {
        var response = context.Response;
        if (response.HasStarted)
        {
            return;
        }

        response.StatusCode = error.HttpStatus;
        response.ContentLength = null;
        response.Headers[ApiVersionHeader] = ApiVersion;
        response.ContentType = "application/json; charset=utf-8";
        if (HttpMethods.IsHead(context.Request.Method))
        {
            return;
        }

        await using var writer = new Utf8JsonWriter(response.Body);
        writer.WriteStartObject();
        writer.WriteStartArray("errors");
        writer.WriteStartObject();
        writer.WriteString("code", ErrorCatalog.Get(error.Code).Value);
        writer.WriteString("message", error.Message);
        if (error.Detail is not null)
        {
            writer.WritePropertyName("detail");
            WriteDetail(writer, error.Detail);
        }

        writer.WriteEndObject();
        writer.WriteEndArray();
        writer.WriteEndObject();
        await writer.FlushAsync(context.RequestAborted);
    }

    private static void WriteDetail(Utf8JsonWriter writer, object detail)
    {
        switch (detail)
        {
            case string text:
                writer.WriteStringValue(text);
                break;
            case IReadOnlyDictionary<string, string> map:
                writer.WriteStartObject();
                foreach (var (key, value) in map)
                {
                    writer.WriteString(key, value);
                }

                writer.WriteEndObject();
                break;
            default:
                writer.WriteStringValue(detail.ToString());
                break;
        }
    }
}
