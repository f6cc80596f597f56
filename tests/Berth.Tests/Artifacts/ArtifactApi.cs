using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Berth.Distribution.Manifests;
using Berth.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Berth.Tests.Artifacts;

/// <summary>What the repository and artifact API tests share: calls, Harbor's error body, and the swagger's field types.</summary>
internal static class ArtifactApi
{
    /// <summary>The default caller of these helpers; pass null for an anonymous request.</summary>
    public const string Admin = "admin";

    public const string CosignSignatureType = "application/vnd.dev.cosign.artifact.sig.v1+json";

    /// <summary><c>/api/v2.0/projects/{project}/repositories/{rest}</c> with the rest encoded twice, as Harbor's clients send it.</summary>
    public static string RepositoryUrl(string fullName)
    {
        var slash = fullName.IndexOf('/', StringComparison.Ordinal);
        return $"/api/v2.0/projects/{fullName[..slash]}/repositories/{Uri.EscapeDataString(Uri.EscapeDataString(fullName[(slash + 1)..]))}";
    }

    public static string ArtifactsUrl(string fullName) => RepositoryUrl(fullName) + "/artifacts";

    public static async Task<(HttpResponseMessage Response, JsonElement Json)> GetAsync(BerthServer server, string path, string? authorization = Admin)
    {
        var response = await server.SendAsync(HttpMethod.Get, path, Authorization(authorization));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {path}: {(int)response.StatusCode} {text}");
        Assert.Equal("application/json", response.Content.Headers.ContentType!.MediaType);
        return (response, JsonDocument.Parse(text).RootElement.Clone());
    }

    public static async Task<JsonElement> JsonAsync(BerthServer server, string path, string? authorization = Admin)
    {
        var (response, json) = await GetAsync(server, path, authorization);
        response.Dispose();
        return json;
    }

    /// <summary>Sends and asserts the status (with the body in the failure message).</summary>
    public static async Task ExpectAsync(BerthServer server, HttpMethod method, string path, HttpStatusCode status, string? json = null,
        string? authorization = Admin)
    {
        using var response = await server.SendAsync(method, path, Authorization(authorization), json);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"{method} {path}: {(int)response.StatusCode}, expected {(int)status}: {text}");
    }

    /// <summary>Asserts Harbor's error body, <c>{"errors":[{"code","message"}]}</c>, with the given status and code.</summary>
    public static async Task<string> ErrorAsync(BerthServer server, HttpMethod method, string path, HttpStatusCode status, string code,
        string? json = null, string? authorization = Admin)
    {
        using var response = await server.SendAsync(method, path, Authorization(authorization), json);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"{method} {path}: {(int)response.StatusCode}, expected {(int)status}: {text}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var error = Assert.Single(JsonDocument.Parse(text).RootElement.GetProperty("errors").EnumerateArray());
        Assert.Equal(code, error.GetProperty("code").GetString());
        var message = error.GetProperty("message").GetString()!;
        Assert.NotEmpty(message);
        return message;
    }

    private static string? Authorization(string? caller) => caller == Admin ? TestCredentials.AdminAuthorization : caller;

    public static long TotalCount(HttpResponseMessage response) =>
        long.Parse(response.Headers.GetValues("X-Total-Count").Single(), CultureInfo.InvariantCulture);

    public static string? Link(HttpResponseMessage response) => response.Headers.TryGetValues("Link", out var values) ? values.Single() : null;

    /// <summary>Asserts the <c>Link</c> header holds exactly <paramref name="expected"/> (rel → page), each a relative URL to
    /// <paramref name="path"/> with that page and <paramref name="pageSize"/>; other parameters the link keeps are not judged.</summary>
    public static void AssertLinks(HttpResponseMessage response, string path, int pageSize, params (string Rel, int Page)[] expected)
    {
        var header = Link(response) ?? "";
        var links = header.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(l => System.Text.RegularExpressions.Regex.Match(l, "^<([^>]*)>; rel=\"(prev|next)\"$"))
            .ToList();
        Assert.True(links.All(m => m.Success), header);
        Assert.Equal(expected.Select(e => e.Rel).Order(), links.Select(m => m.Groups[2].Value).Order());
        foreach (var (rel, page) in expected)
        {
            var url = links.Single(m => m.Groups[2].Value == rel).Groups[1].Value;
            var question = url.IndexOf('?', StringComparison.Ordinal);
            Assert.Equal(path, url[..question]);
            var query = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(url[question..]);
            Assert.Equal(page.ToString(CultureInfo.InvariantCulture), query["page"].Single());
            Assert.Equal(pageSize.ToString(CultureInfo.InvariantCulture), query["page_size"].Single());
        }
    }

    /// <summary>Flushes recorded pulls until <paramref name="done"/> holds (a pull is recorded just after its body is sent, so a
    /// client may see the response first), for at most ten seconds.</summary>
    public static async Task FlushPullsUntilAsync(BerthServer server, Func<Task<bool>> done)
    {
        var flusher = server.Services.GetRequiredService<PullRecorderFlusher>();
        for (var attempt = 0; attempt < 100; attempt++)
        {
            await flusher.FlushAsync(CancellationToken.None);
            if (await done())
            {
                return;
            }

            await Task.Delay(100);
        }

        Assert.Fail("the pulls were not recorded within ten seconds");
    }

    /// <summary>Pushes an index over <paramref name="children"/> (each pushed by digest first) under <paramref name="tag"/>.</summary>
    public static async Task<TestBlob> PushIndexAsync(BerthServer server, string name, string tag, string indexJson, params TestImage[] children)
    {
        foreach (var child in children)
        {
            await PushByDigestAsync(server, name, child);
        }

        var index = new TestBlob(Encoding.UTF8.GetBytes(indexJson), TestImage.OciIndex);
        using var put = await server.Client.PushManifestAsync(name, tag, index);
        RegistryClient.Expect(put, HttpStatusCode.Created);
        return index;
    }

    public static async Task PushByDigestAsync(BerthServer server, string name, TestImage image)
    {
        foreach (var blob in image.Blobs)
        {
            using var response = await server.Client.PushBlobAsync(name, blob);
            RegistryClient.Expect(response, HttpStatusCode.Created);
        }

        using var put = await server.Client.PushManifestAsync(name, image.Manifest.Digest, image.Manifest);
        RegistryClient.Expect(put, HttpStatusCode.Created);
    }

    /// <summary>Harbor's <c>Repository</c>: every field, with the swagger's JSON type.</summary>
    public static void AssertRepository(JsonElement repository)
    {
        AssertKinds(repository, new()
        {
            ["id"] = JsonValueKind.Number,
            ["project_id"] = JsonValueKind.Number,
            ["name"] = JsonValueKind.String,
            ["description"] = JsonValueKind.String,
            ["artifact_count"] = JsonValueKind.Number,
            ["pull_count"] = JsonValueKind.Number,
            ["creation_time"] = JsonValueKind.String,
            ["update_time"] = JsonValueKind.String,
        });
        AssertTime(repository, "creation_time");
        AssertTime(repository, "update_time");
    }

    /// <summary>Harbor's <c>Artifact</c>, and the <c>Tag</c>, <c>Reference</c> and <c>Accessory</c> objects inside it.</summary>
    public static void AssertArtifact(JsonElement artifact)
    {
        AssertKinds(artifact, new()
        {
            ["id"] = JsonValueKind.Number,
            ["type"] = JsonValueKind.String,
            ["media_type"] = JsonValueKind.String,
            ["manifest_media_type"] = JsonValueKind.String,
            ["artifact_type"] = JsonValueKind.String,
            ["project_id"] = JsonValueKind.Number,
            ["repository_id"] = JsonValueKind.Number,
            ["repository_name"] = JsonValueKind.String,
            ["digest"] = JsonValueKind.String,
            ["size"] = JsonValueKind.Number,
            ["icon"] = JsonValueKind.String,
            ["push_time"] = JsonValueKind.String,
            ["pull_time"] = JsonValueKind.String,
            ["extra_attrs"] = JsonValueKind.Object,
            ["annotations"] = JsonValueKind.Object,
            ["references"] = JsonValueKind.Array,
        });
        AssertTime(artifact, "push_time");
        AssertTime(artifact, "pull_time");
        foreach (var annotation in artifact.GetProperty("annotations").EnumerateObject())
        {
            Assert.Equal(JsonValueKind.String, annotation.Value.ValueKind);
        }

        foreach (var reference in artifact.GetProperty("references").EnumerateArray())
        {
            AssertKinds(reference, new() { ["parent_id"] = JsonValueKind.Number, ["child_id"] = JsonValueKind.Number, ["child_digest"] = JsonValueKind.String });
            Optional(reference, "platform", JsonValueKind.Object);
            Optional(reference, "annotations", JsonValueKind.Object);
            Optional(reference, "urls", JsonValueKind.Array);
        }

        if (artifact.TryGetProperty("tags", out var tags))
        {
            Assert.Equal(JsonValueKind.Array, tags.ValueKind);
            foreach (var tag in tags.EnumerateArray())
            {
                AssertTag(tag);
            }
        }

        Optional(artifact, "labels", JsonValueKind.Array);
        if (artifact.TryGetProperty("accessories", out var accessories))
        {
            Assert.Equal(JsonValueKind.Array, accessories.ValueKind);
            foreach (var accessory in accessories.EnumerateArray())
            {
                AssertKinds(accessory, new()
                {
                    ["id"] = JsonValueKind.Number,
                    ["artifact_id"] = JsonValueKind.Number,
                    ["subject_artifact_id"] = JsonValueKind.Number,
                    ["subject_artifact_digest"] = JsonValueKind.String,
                    ["subject_artifact_repo"] = JsonValueKind.String,
                    ["size"] = JsonValueKind.Number,
                    ["digest"] = JsonValueKind.String,
                    ["type"] = JsonValueKind.String,
                    ["icon"] = JsonValueKind.String,
                    ["creation_time"] = JsonValueKind.String,
                });
                AssertTime(accessory, "creation_time");
            }
        }
    }

    public static void AssertTag(JsonElement tag)
    {
        AssertKinds(tag, new()
        {
            ["id"] = JsonValueKind.Number,
            ["repository_id"] = JsonValueKind.Number,
            ["artifact_id"] = JsonValueKind.Number,
            ["name"] = JsonValueKind.String,
            ["push_time"] = JsonValueKind.String,
            ["pull_time"] = JsonValueKind.String,
        });
        Assert.True(tag.GetProperty("immutable").ValueKind is JsonValueKind.True or JsonValueKind.False);
        AssertTime(tag, "push_time");
        AssertTime(tag, "pull_time");
    }

    public static List<string> Names(JsonElement array, string property = "name") =>
        array.EnumerateArray().Select(e => e.GetProperty(property).GetString()!).ToList();

    private static void AssertKinds(JsonElement element, Dictionary<string, JsonValueKind> fields)
    {
        Assert.Equal(JsonValueKind.Object, element.ValueKind);
        foreach (var (name, kind) in fields)
        {
            Assert.True(element.TryGetProperty(name, out var value), $"missing {name} in {element}");
            Assert.True(value.ValueKind == kind, $"{name} is {value.ValueKind}, expected {kind}, in {element}");
        }
    }

    private static void Optional(JsonElement element, string name, JsonValueKind kind)
    {
        if (element.TryGetProperty(name, out var value))
        {
            Assert.True(value.ValueKind == kind, $"{name} is {value.ValueKind}, expected {kind}, in {element}");
        }
    }

    /// <summary>A swagger <c>date-time</c>: RFC 3339 in UTC.</summary>
    private static void AssertTime(JsonElement element, string name) =>
        Assert.Matches(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$", element.GetProperty(name).GetString());
}
