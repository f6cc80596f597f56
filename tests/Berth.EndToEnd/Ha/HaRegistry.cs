using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using Berth.Testing;

namespace Berth.EndToEnd.Ha;

/// <summary>A manifest push the registry answered 201: from then on it must pull completely.</summary>
public sealed record AcknowledgedPush(string Repository, string Tag, TestImage Image);

/// <summary>An answer that a client retries: the replica went away (502 from nginx) or a dependency is failing (503).</summary>
public sealed class RetryableResponseException(string message) : Exception(message);

/// <summary>Pushes and pulls as a registry client does, retrying what a client retries and checking every byte it pulls.</summary>
public static class HaRegistry
{
    /// <summary>Runs <paramref name="operation"/> again while it fails the way a dying replica makes it fail, up to <paramref name="within"/>.</summary>
    /// <param name="operation">The whole operation, restartable from its beginning.</param>
    /// <param name="within">How long to keep retrying (30 s).</param>
    /// <param name="retried">Counts each retry.</param>
    public static async Task<T> RetryAsync<T>(Func<Task<T>> operation, TimeSpan? within = null, Action? retried = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            try
            {
                return await operation();
            }
            catch (Exception ex) when (IsRetryable(ex) && DateTime.UtcNow < deadline)
            {
                retried?.Invoke();
                await Task.Delay(200);
            }
        }
    }

    private static bool IsRetryable(Exception ex) => ex switch
    {
        RetryableResponseException => true,
        HttpRequestException { StatusCode: null } => true,  // refused, reset, cut mid-body
        TaskCanceledException => true,                       // the client's timeout
        IOException => true,
        _ => false,
    };

    /// <summary>Throws <see cref="RetryableResponseException"/> for 502, 503 and 504; otherwise checks the status is <paramref name="expected"/>.</summary>
    public static async Task ExpectAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        if (response.StatusCode == expected)
        {
            return;
        }

        var message = $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri} answered {(int)response.StatusCode}, expected "
            + $"{(int)expected}: {await response.Content.ReadAsStringAsync()}";
        throw response.StatusCode is HttpStatusCode.BadGateway or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout
            ? new RetryableResponseException(message)
            : new HttpRequestException(message, null, response.StatusCode);
    }

    /// <summary>A monolithic upload (<c>POST ?digest=</c>).</summary>
    public static async Task<bool> UploadBlobAsync(HttpClient client, string repository, TestBlob blob)
    {
        using var response = await client.PushBlobAsync(repository, blob);
        await ExpectAsync(response, HttpStatusCode.Created);
        return true;
    }

    /// <summary>
    /// A chunked upload: <c>POST</c>, one <c>PATCH</c> per chunk, <c>PUT ?digest=</c>, each request to the client of its turn, so that
    /// one upload session can be spread over replicas deliberately (or by the balancer).
    /// </summary>
    public static async Task<bool> UploadBlobInChunksAsync(IReadOnlyList<HttpClient> clients, string repository, TestBlob blob, int chunks)
    {
        var turn = 0;
        HttpClient Next() => clients[turn++ % clients.Count];
        using var start = await Next().PostAsync($"/v2/{repository}/blobs/uploads/", null);
        await ExpectAsync(start, HttpStatusCode.Accepted);
        var location = start.Headers.Location!.OriginalString;
        var size = (blob.Content.Length + chunks - 1) / chunks;
        for (var offset = 0; offset < blob.Content.Length; offset += size)
        {
            var end = Math.Min(offset + size, blob.Content.Length);
            using var chunk = new ByteArrayContent(blob.Content, offset, end - offset);
            chunk.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            chunk.Headers.TryAddWithoutValidation("Content-Range", $"{offset}-{end - 1}");
            using var patch = await Next().PatchAsync(location, chunk);
            await ExpectAsync(patch, HttpStatusCode.Accepted);
            var range = patch.Headers.GetValues("Range").Single();
            if (range != $"0-{end - 1}")
            {
                throw new HttpRequestException($"after bytes up to {end - 1} the upload says it holds {range}");
            }

            location = patch.Headers.Location!.OriginalString;
        }

        var separator = location.Contains('?', StringComparison.Ordinal) ? '&' : '?';
        using var put = await Next().PutAsync($"{location}{separator}digest={blob.Digest}", null);
        await ExpectAsync(put, HttpStatusCode.Created);
        return true;
    }

    public static async Task<bool> PushManifestAsync(HttpClient client, string repository, string tag, TestBlob manifest)
    {
        using var response = await client.PushManifestAsync(repository, tag, manifest);
        await ExpectAsync(response, HttpStatusCode.Created);
        return true;
    }

    /// <summary>Pulls the manifest by tag and every blob it names, and fails unless each is byte for byte what was pushed.</summary>
    public static async Task<bool> PullCompletelyAsync(HttpClient client, AcknowledgedPush push)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/v2/{push.Repository}/manifests/{push.Tag}");
        request.Headers.Accept.ParseAdd(push.Image.Manifest.MediaType);
        using var manifest = await client.SendAsync(request);
        await ExpectAsync(manifest, HttpStatusCode.OK);
        Check(push, "manifest", push.Image.Manifest, await manifest.Content.ReadAsByteArrayAsync());
        foreach (var blob in push.Image.Blobs)
        {
            // The S3 driver answers with a redirect to a presigned URL, which the client follows to the S3 server.
            using var response = await client.GetAsync($"/v2/{push.Repository}/blobs/{blob.Digest}");
            await ExpectAsync(response, HttpStatusCode.OK);
            Check(push, "blob", blob, await response.Content.ReadAsByteArrayAsync());
        }

        return true;
    }

    private static void Check(AcknowledgedPush push, string what, TestBlob expected, byte[] pulled)
    {
        var digest = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(pulled));
        if (digest != expected.Digest)
        {
            throw new InvalidDataException($"{push.Repository}:{push.Tag}: {what} {expected.Digest} pulled as {pulled.Length} bytes with digest {digest}");
        }
    }
}
