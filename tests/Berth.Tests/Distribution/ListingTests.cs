using System.Net;
using System.Text.Json;
using Berth.Testing;

namespace Berth.Tests.Distribution;

/// <summary>Tags and catalog, paged with <c>n</c> and <c>last</c>. Each test runs on its own server so the catalog is known.</summary>
public sealed class ListingTests : IAsyncLifetime
{
    private BerthServer _server = null!;

    public async ValueTask InitializeAsync() => _server = await BerthServer.StartAsync(new Dictionary<string, string?>
    {
        ["Distribution:MaxPageSize"] = "5",
    });

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();

    private static List<string> Strings(JsonElement array) => array.EnumerateArray().Select(e => e.GetString()!).ToList();

    [Fact]
    public async Task Tags_page_with_n_last_and_link()
    {
        var client = _server.Client;
        var image = TestImage.Create().WithLayer(10).Build();
        await client.PushImageAsync("lib/app", image, "t0");
        var all = new[] { "a", "b", "c", "d", "t0", "x" };
        foreach (var tag in all.Where(t => t != "t0"))
        {
            (await client.PushManifestAsync("lib/app", tag, image.Manifest)).Dispose();
        }

        using (var first = await client.GetAsync("/v2/lib/app/tags/list?n=2"))
        {
            using var json = JsonDocument.Parse(await first.Content.ReadAsStringAsync());
            Assert.Equal("lib/app", json.RootElement.GetProperty("name").GetString());
            Assert.Equal(["a", "b"], Strings(json.RootElement.GetProperty("tags")));
            Assert.Equal("</v2/lib/app/tags/list?n=2&last=b>; rel=\"next\"", first.Headers.GetValues("Link").Single());
        }

        using (var next = await client.GetAsync("/v2/lib/app/tags/list?n=2&last=b"))
        {
            using var json = JsonDocument.Parse(await next.Content.ReadAsStringAsync());
            Assert.Equal(["c", "d"], Strings(json.RootElement.GetProperty("tags")));
        }

        using (var end = await client.GetAsync("/v2/lib/app/tags/list?n=10&last=t0"))
        {
            using var json = JsonDocument.Parse(await end.Content.ReadAsStringAsync());
            Assert.Equal(["x"], Strings(json.RootElement.GetProperty("tags")));
            Assert.False(end.Headers.Contains("Link"));
        }

        // A huge n is capped at the server's page size (5 here), not obeyed, and says where to go on.
        using (var huge = await client.GetAsync("/v2/lib/app/tags/list?n=999999999999"))
        {
            using var json = JsonDocument.Parse(await huge.Content.ReadAsStringAsync());
            Assert.Equal(5, json.RootElement.GetProperty("tags").GetArrayLength());
            Assert.Contains("last=t0", huge.Headers.GetValues("Link").Single(), StringComparison.Ordinal);
        }

        using (var zero = await client.GetAsync("/v2/lib/app/tags/list?n=0"))
        {
            using var json = JsonDocument.Parse(await zero.Content.ReadAsStringAsync());
            Assert.Equal(0, json.RootElement.GetProperty("tags").GetArrayLength());
        }

        foreach (var bad in new[] { "-1", "abc", "1.5" })
        {
            using var response = await client.GetAsync($"/v2/lib/app/tags/list?n={bad}");
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal("PAGINATION_NUMBER_INVALID", await response.ErrorCodeAsync());
        }

        using var unknown = await client.GetAsync("/v2/lib/nothing/tags/list");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("NAME_UNKNOWN", await unknown.ErrorCodeAsync());
    }

    [Fact]
    public async Task Catalog_pages_and_lists_only_repositories_with_manifests()
    {
        var client = _server.Client;
        var names = new[] { "a/one", "a/two", "b/three", "c/four" };
        foreach (var name in names)
        {
            await client.PushImageAsync(name, TestImage.Create().WithLayer(10).Build(), "v1");
        }

        (await client.PushBlobAsync("d/only-blobs", TestBlob.Random(10))).Dispose();

        using (var first = await client.GetAsync("/v2/_catalog?n=3"))
        {
            using var json = JsonDocument.Parse(await first.Content.ReadAsStringAsync());
            Assert.Equal(["a/one", "a/two", "b/three"], Strings(json.RootElement.GetProperty("repositories")));
            Assert.Equal("</v2/_catalog?n=3&last=b%2Fthree>; rel=\"next\"", first.Headers.GetValues("Link").Single());
        }

        using var rest = await client.GetAsync("/v2/_catalog?n=3&last=b%2Fthree");
        using var restJson = JsonDocument.Parse(await rest.Content.ReadAsStringAsync());
        Assert.Equal(["c/four"], Strings(restJson.RootElement.GetProperty("repositories")));
    }
}
