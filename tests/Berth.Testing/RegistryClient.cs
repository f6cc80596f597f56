using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace Berth.Testing;

/// <summary>The few /v2/ calls tests repeat, spoken over plain HTTP.</summary>
public static class RegistryClient
{
    /// <summary>Monolithic upload: <c>POST ?digest=</c> with the body.</summary>
    public static async Task<HttpResponseMessage> PushBlobAsync(this HttpClient client, string name, TestBlob blob)
    {
        using var content = new ByteArrayContent(blob.Content);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        return await client.PostAsync($"/v2/{name}/blobs/uploads/?digest={blob.Digest}", content);
    }

    public static async Task<HttpResponseMessage> PushManifestAsync(this HttpClient client, string name, string reference, TestBlob manifest)
    {
        using var content = new ByteArrayContent(manifest.Content);
        content.Headers.ContentType = new MediaTypeHeaderValue(manifest.MediaType);
        return await client.PutAsync($"/v2/{name}/manifests/{reference}", content);
    }

    /// <summary>Pushes every blob and then the manifest under <paramref name="tag"/>; throws unless all succeed.</summary>
    public static async Task PushImageAsync(this HttpClient client, string name, TestImage image, string tag)
    {
        foreach (var blob in image.Blobs)
        {
            using var response = await client.PushBlobAsync(name, blob);
            Expect(response, HttpStatusCode.Created);
        }

        using var manifest = await client.PushManifestAsync(name, tag, image.Manifest);
        Expect(manifest, HttpStatusCode.Created);
    }

    /// <summary>The first error code of an OCI error body.</summary>
    public static async Task<string?> ErrorCodeAsync(this HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        using var document = JsonDocument.Parse(body);
        return document.RootElement.GetProperty("errors")[0].GetProperty("code").GetString();
    }

    public static void Expect(HttpResponseMessage response, HttpStatusCode status)
    {
        if (response.StatusCode != status)
        {
            throw new HttpRequestException(
                $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri} answered {(int)response.StatusCode}, expected {(int)status}: "
                + response.Content.ReadAsStringAsync().GetAwaiter().GetResult());
        }
    }
}
