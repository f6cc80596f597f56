using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;

namespace Berth.Api;

/// <summary>Reading request bodies and writing times the way every <c>/api/v2.0</c> endpoint does.</summary>
public static class ApiJson
{
    private const long MaxBodyBytes = 1024 * 1024;

    /// <summary>Binds the body to an explicit input type; malformed JSON is a 400, a body over 1 MiB a 413.</summary>
    public static async Task<T> ReadAsync<T>(HttpContext context) where T : class
    {
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = MaxBodyBytes;
        }

        try
        {
            return await JsonSerializer.DeserializeAsync<T>(context.Request.Body, cancellationToken: context.RequestAborted)
                ?? throw ApiException.BadRequest("the request body is empty");
        }
        catch (JsonException ex)
        {
            throw ApiException.BadRequest($"invalid JSON: {ex.Message}");
        }
    }

    /// <summary>Writes a JSON answer straight into the response, streamed (never a whole document in memory first).</summary>
    public static async Task WriteAsync(HttpContext context, Action<Utf8JsonWriter> write)
    {
        context.Response.ContentType = "application/json";
        await using var writer = new Utf8JsonWriter(context.Response.Body);
        write(writer);
    }

    public static string Time(DateTime utc) =>
        DateTime.SpecifyKind(utc, DateTimeKind.Utc).ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);
}
