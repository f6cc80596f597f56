using System.Net;
using System.Text.Json;
using Berth.Testing;

namespace Berth.Tests.Distribution;

public sealed class ReferrerTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private HttpClient Client => fixture.Client;

    [Fact]
    public async Task Referrers_list_manifests_with_a_subject_and_filter_by_artifact_type()
    {
        var name = ServerFixture.NewRepository();
        var image = TestImage.Create().WithLayer(100).Build();
        await Client.PushImageAsync(name, image, "v1");

        var signature = TestImage.Create().WithLayer(20)
            .Referring(image.Manifest, "application/vnd.dev.cosign.artifact.sig.v1+json", new() { ["kind"] = "signature" }).Build();
        var sbom = TestImage.Create().WithLayer(30).Referring(image.Manifest, "application/spdx+json").Build();
        foreach (var blob in signature.Blobs.Concat(sbom.Blobs))
        {
            (await Client.PushBlobAsync(name, blob)).Dispose();
        }

        using (var put = await Client.PushManifestAsync(name, signature.Manifest.Digest, signature.Manifest))
        {
            Assert.Equal(HttpStatusCode.Created, put.StatusCode);
            Assert.Equal(image.Manifest.Digest, put.Headers.GetValues("OCI-Subject").Single());
        }

        (await Client.PushManifestAsync(name, sbom.Manifest.Digest, sbom.Manifest)).Dispose();

        using (var all = await Client.GetAsync($"/v2/{name}/referrers/{image.Manifest.Digest}"))
        {
            Assert.Equal(HttpStatusCode.OK, all.StatusCode);
            Assert.Equal("application/vnd.oci.image.index.v1+json", all.Content.Headers.ContentType!.MediaType);
            Assert.False(all.Headers.Contains("OCI-Filters-Applied"));
            using var json = JsonDocument.Parse(await all.Content.ReadAsStringAsync());
            var manifests = json.RootElement.GetProperty("manifests");
            Assert.Equal(2, manifests.GetArrayLength());
            var sig = manifests.EnumerateArray().Single(m => m.GetProperty("digest").GetString() == signature.Manifest.Digest);
            Assert.Equal("application/vnd.dev.cosign.artifact.sig.v1+json", sig.GetProperty("artifactType").GetString());
            Assert.Equal(signature.Manifest.Size, sig.GetProperty("size").GetInt64());
            Assert.Equal("signature", sig.GetProperty("annotations").GetProperty("kind").GetString());
        }

        using (var filtered = await Client.GetAsync($"/v2/{name}/referrers/{image.Manifest.Digest}?artifactType=application/spdx%2Bjson"))
        {
            Assert.Equal("artifactType", filtered.Headers.GetValues("OCI-Filters-Applied").Single());
            using var json = JsonDocument.Parse(await filtered.Content.ReadAsStringAsync());
            Assert.Equal(sbom.Manifest.Digest, json.RootElement.GetProperty("manifests").EnumerateArray().Single().GetProperty("digest").GetString());
        }

        using var none = await Client.GetAsync($"/v2/{name}/referrers/{TestBlob.Random(1).Digest}");
        Assert.Equal(HttpStatusCode.OK, none.StatusCode);
        using var noneJson = JsonDocument.Parse(await none.Content.ReadAsStringAsync());
        Assert.Equal(0, noneJson.RootElement.GetProperty("manifests").GetArrayLength());

        using var bad = await Client.GetAsync($"/v2/{name}/referrers/sha256:nope");
        Assert.Equal("DIGEST_INVALID", await bad.ErrorCodeAsync());
    }
}
