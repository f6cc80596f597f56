using System.Net;
using System.Text;
using System.Text.Json;
using Berth.Data.Entities;
using Berth.Testing;
using static Berth.Tests.Artifacts.ArtifactApi;

namespace Berth.Tests.Artifacts;

/// <summary><c>/projects/{p}/repositories/{r}/artifacts</c>: Harbor's Artifact, indexes with their children, accessories, filters, deletes.</summary>
public sealed class ArtifactApiTests : IAsyncLifetime
{
    private static readonly string Outsider = TestCredentials.Basic("outsider2", "outsider2-password");
    private static readonly string Developer = TestCredentials.Basic("developer2", "developer2-password");
    private BerthServer _server = null!;

    public async ValueTask InitializeAsync()
    {
        _server = await BerthServer.StartAsync();
        await TestCredentials.AddUserAsync(_server.DataDirectory, "outsider2", "outsider2-password");
        await TestCredentials.AddUserAsync(_server.DataDirectory, "developer2", "developer2-password", "test", ProjectRole.Developer);
    }

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task An_image_shows_every_Harbor_field_by_tag_and_by_digest()
    {
        var image = TestImage.Create().WithLayer(300).WithLayer(200).Build();
        await _server.Client.PushImageAsync("test/img", image, "v1");
        (await _server.Client.PushManifestAsync("test/img", "latest", image.Manifest)).Dispose();

        var (list, json) = await GetAsync(_server, ArtifactsUrl("test/img"));
        Assert.Equal(1, TotalCount(list));
        list.Dispose();
        var artifact = Assert.Single(json.EnumerateArray());
        AssertArtifact(artifact);
        Assert.Equal("IMAGE", artifact.GetProperty("type").GetString());
        Assert.Equal("application/vnd.oci.image.config.v1+json", artifact.GetProperty("media_type").GetString());
        Assert.Equal(TestImage.OciManifest, artifact.GetProperty("manifest_media_type").GetString());
        Assert.Equal("application/vnd.oci.image.config.v1+json", artifact.GetProperty("artifact_type").GetString());
        Assert.Equal(image.Manifest.Digest, artifact.GetProperty("digest").GetString());
        Assert.Equal(image.Manifest.Size + image.Blobs.Sum(b => b.Size), artifact.GetProperty("size").GetInt64());
        Assert.Equal("test/img", artifact.GetProperty("repository_name").GetString());
        Assert.Equal("0001-01-01T00:00:00.000Z", artifact.GetProperty("pull_time").GetString());
        Assert.Equal((await JsonAsync(_server, "/api/v2.0/projects/test")).GetProperty("project_id").GetInt64(), artifact.GetProperty("project_id").GetInt64());
        Assert.Equal((await JsonAsync(_server, RepositoryUrl("test/img"))).GetProperty("id").GetInt64(), artifact.GetProperty("repository_id").GetInt64());
        var extra = artifact.GetProperty("extra_attrs");
        Assert.Equal("amd64", extra.GetProperty("architecture").GetString());
        Assert.Equal("linux", extra.GetProperty("os").GetString());
        Assert.Equal(JsonValueKind.Object, extra.GetProperty("config").ValueKind);
        Assert.Equal(["latest", "v1"], Names(artifact.GetProperty("tags")).Order());
        Assert.All(artifact.GetProperty("tags").EnumerateArray(), t =>
        {
            Assert.Equal(artifact.GetProperty("id").GetInt64(), t.GetProperty("artifact_id").GetInt64());
            Assert.False(t.GetProperty("immutable").GetBoolean());
        });
        Assert.Empty(artifact.GetProperty("references").EnumerateArray());
        Assert.False(artifact.TryGetProperty("labels", out _));
        Assert.False(artifact.TryGetProperty("accessories", out _));

        var byTag = await JsonAsync(_server, ArtifactsUrl("test/img") + "/v1");
        var byDigest = await JsonAsync(_server, ArtifactsUrl("test/img") + "/" + image.Manifest.Digest + "?with_tag=false&with_label=true&with_accessory=true");
        AssertArtifact(byTag);
        AssertArtifact(byDigest);
        Assert.Equal(artifact.GetProperty("id").GetInt64(), byTag.GetProperty("id").GetInt64());
        Assert.Equal(artifact.GetProperty("id").GetInt64(), byDigest.GetProperty("id").GetInt64());
        Assert.False(byDigest.TryGetProperty("tags", out _));
        Assert.Empty(byDigest.GetProperty("labels").EnumerateArray());
        Assert.Empty(byDigest.GetProperty("accessories").EnumerateArray());

        using (var pull = await _server.Client.GetAsync("/v2/test/img/manifests/v1"))
        {
            Assert.Equal(HttpStatusCode.OK, pull.StatusCode);
        }

        await FlushPullsUntilAsync(_server, async () =>
            (await JsonAsync(_server, ArtifactsUrl("test/img") + "/v1")).GetProperty("pull_time").GetString() != "0001-01-01T00:00:00.000Z");
    }

    [Fact]
    public async Task An_index_lists_its_children_as_references_and_hides_them_from_the_list()
    {
        var amd = TestImage.Create().WithLayer(40).Build();
        var arm = TestImage.Create().WithLayer(50).Build();
        var indexJson = $$$"""
            {"schemaVersion":2,"mediaType":"{{{TestImage.OciIndex}}}","manifests":[
              {"mediaType":"{{{TestImage.OciManifest}}}","digest":"{{{amd.Manifest.Digest}}}","size":{{{amd.Manifest.Size}}},"platform":{"architecture":"amd64","os":"linux"},"annotations":{"note":"first"},"urls":["https://example.com/amd"]},
              {"mediaType":"{{{TestImage.OciManifest}}}","digest":"{{{arm.Manifest.Digest}}}","size":{{{arm.Manifest.Size}}},"platform":{"architecture":"arm64","os":"linux","variant":"v8"}}],
             "annotations":{"org.opencontainers.image.title":"multi"}}
            """;
        var index = await PushIndexAsync(_server, "test/multi", "v1", indexJson, amd, arm);

        var listed = await JsonAsync(_server, ArtifactsUrl("test/multi"));
        var artifact = Assert.Single(listed.EnumerateArray());
        AssertArtifact(artifact);
        Assert.Equal(index.Digest, artifact.GetProperty("digest").GetString());
        Assert.Equal("IMAGE", artifact.GetProperty("type").GetString());
        Assert.Equal(TestImage.OciIndex, artifact.GetProperty("media_type").GetString());
        Assert.Equal(TestImage.OciIndex, artifact.GetProperty("manifest_media_type").GetString());
        Assert.Equal("", artifact.GetProperty("artifact_type").GetString());
        Assert.Equal("multi", artifact.GetProperty("annotations").GetProperty("org.opencontainers.image.title").GetString());
        Assert.Empty(artifact.GetProperty("extra_attrs").EnumerateObject());

        var children = await JsonAsync(_server, ArtifactsUrl("test/multi") + "?q=base%3D*&sort=id");
        Assert.Equal(3, children.GetArrayLength());
        var ids = children.EnumerateArray().ToDictionary(c => c.GetProperty("digest").GetString()!, c => c.GetProperty("id").GetInt64());

        var references = artifact.GetProperty("references").EnumerateArray().ToList();
        Assert.Equal(2, references.Count);
        Assert.Equal(amd.Manifest.Digest, references[0].GetProperty("child_digest").GetString());
        Assert.Equal(ids[amd.Manifest.Digest], references[0].GetProperty("child_id").GetInt64());
        Assert.Equal(artifact.GetProperty("id").GetInt64(), references[0].GetProperty("parent_id").GetInt64());
        Assert.Equal("amd64", references[0].GetProperty("platform").GetProperty("architecture").GetString());
        Assert.Equal("first", references[0].GetProperty("annotations").GetProperty("note").GetString());
        Assert.Equal(["https://example.com/amd"], references[0].GetProperty("urls").EnumerateArray().Select(u => u.GetString()));
        Assert.Equal(arm.Manifest.Digest, references[1].GetProperty("child_digest").GetString());
        Assert.Equal("v8", references[1].GetProperty("platform").GetProperty("variant").GetString());
        Assert.False(references[1].TryGetProperty("urls", out _));

        // A child that is also tagged shows in the list on its own.
        (await _server.Client.PushManifestAsync("test/multi", "arm", arm.Manifest)).Dispose();
        Assert.Equal(2, (await JsonAsync(_server, ArtifactsUrl("test/multi"))).GetArrayLength());
    }

    [Fact]
    public async Task Signatures_and_referrers_show_under_their_subject_as_accessories()
    {
        var image = TestImage.Create().WithLayer(70).Build();
        await _server.Client.PushImageAsync("test/signed", image, "v1");
        // cosign with OCI 1.1 referrers, a notation signature, and cosign's tag scheme (sha256-<hex>.sig).
        var cosign = TestImage.Create().WithLayer(10).Referring(image.Manifest, CosignSignatureType).Build();
        var notation = TestImage.Create().WithLayer(11).Referring(image.Manifest, "application/vnd.cncf.notary.signature").Build();
        await PushByDigestAsync(_server, "test/signed", cosign);
        await PushByDigestAsync(_server, "test/signed", notation);
        var legacy = TestImage.Create().WithLayer(TestBlob.Random(12, "application/vnd.dev.cosign.simplesigning.v1+json")).Build();
        var legacyTag = "sha256-" + image.Manifest.Digest["sha256:".Length..] + ".sig";
        await _server.Client.PushImageAsync("test/signed", legacy, legacyTag);

        var listed = await JsonAsync(_server, ArtifactsUrl("test/signed") + "?with_accessory=true");
        var subject = Assert.Single(listed.EnumerateArray());
        AssertArtifact(subject);
        Assert.Equal(image.Manifest.Digest, subject.GetProperty("digest").GetString());
        var accessories = subject.GetProperty("accessories").EnumerateArray().ToList();
        Assert.Equal(3, accessories.Count);
        var byDigest = accessories.ToDictionary(a => a.GetProperty("digest").GetString()!);
        Assert.Equal("signature.cosign", byDigest[cosign.Manifest.Digest].GetProperty("type").GetString());
        Assert.Equal("signature.notation", byDigest[notation.Manifest.Digest].GetProperty("type").GetString());
        Assert.Equal("signature.cosign", byDigest[legacy.Manifest.Digest].GetProperty("type").GetString());
        Assert.All(accessories, a =>
        {
            Assert.Equal(image.Manifest.Digest, a.GetProperty("subject_artifact_digest").GetString());
            Assert.Equal(subject.GetProperty("id").GetInt64(), a.GetProperty("subject_artifact_id").GetInt64());
            Assert.Equal("test/signed", a.GetProperty("subject_artifact_repo").GetString());
        });
        var cosignArtifact = await JsonAsync(_server, ArtifactsUrl("test/signed") + "/" + cosign.Manifest.Digest);
        Assert.Equal(cosignArtifact.GetProperty("id").GetInt64(), byDigest[cosign.Manifest.Digest].GetProperty("artifact_id").GetInt64());
        Assert.Equal(cosignArtifact.GetProperty("size").GetInt64(), byDigest[cosign.Manifest.Digest].GetProperty("size").GetInt64());

        // Deleting the subject takes its accessories with it, the tagged cosign signature too.
        await ExpectAsync(_server, HttpMethod.Delete, ArtifactsUrl("test/signed") + "/v1", HttpStatusCode.OK);
        foreach (var gone in (string[])[image.Manifest.Digest, cosign.Manifest.Digest, notation.Manifest.Digest, legacy.Manifest.Digest])
        {
            await ErrorAsync(_server, HttpMethod.Get, ArtifactsUrl("test/signed") + "/" + gone, HttpStatusCode.NotFound, "NOT_FOUND");
        }
    }

    [Fact]
    public async Task Delete_by_tag_removes_the_artifact_with_all_its_tags()
    {
        var image = TestImage.Create().WithLayer(20).Build();
        var other = TestImage.Create().WithLayer(21).Build();
        await _server.Client.PushImageAsync("test/del", image, "v1");
        (await _server.Client.PushManifestAsync("test/del", "also", image.Manifest)).Dispose();
        await _server.Client.PushImageAsync("test/del", other, "keep");

        await ExpectAsync(_server, HttpMethod.Delete, ArtifactsUrl("test/del") + "/v1", HttpStatusCode.OK);
        await ErrorAsync(_server, HttpMethod.Get, ArtifactsUrl("test/del") + "/" + image.Manifest.Digest, HttpStatusCode.NotFound, "NOT_FOUND");
        await ErrorAsync(_server, HttpMethod.Get, ArtifactsUrl("test/del") + "/also", HttpStatusCode.NotFound, "NOT_FOUND");
        Assert.Equal(["keep"], Names(Assert.Single((await JsonAsync(_server, ArtifactsUrl("test/del"))).EnumerateArray()).GetProperty("tags")));
        using var pull = await _server.Client.GetAsync("/v2/test/del/manifests/also");
        Assert.Equal(HttpStatusCode.NotFound, pull.StatusCode);
        await ErrorAsync(_server, HttpMethod.Delete, ArtifactsUrl("test/del") + "/v1", HttpStatusCode.NotFound, "NOT_FOUND");
    }

    [Fact]
    public async Task Delete_by_digest_of_an_index_takes_the_children_only_it_needs_and_a_child_alone_is_refused()
    {
        var shared = TestImage.Create().WithLayer(30).Build();
        var own = TestImage.Create().WithLayer(31).Build();
        var tagged = TestImage.Create().WithLayer(32).Build();
        var first = await PushIndexAsync(_server, "test/tree", "one",
            Encoding.UTF8.GetString(TestImage.Index(TestImage.OciIndex, shared.Manifest, own.Manifest, tagged.Manifest).Content), shared, own, tagged);
        (await _server.Client.PushManifestAsync("test/tree", "child", tagged.Manifest)).Dispose();
        var second = await PushIndexAsync(_server, "test/tree", "two",
            Encoding.UTF8.GetString(TestImage.Index(TestImage.OciIndex, shared.Manifest).Content));

        var message = await ErrorAsync(_server, HttpMethod.Delete, ArtifactsUrl("test/tree") + "/" + shared.Manifest.Digest,
            HttpStatusCode.PreconditionFailed, "VIOLATE_FOREIGN_KEY_CONSTRAINT");
        Assert.Contains("referenced", message, StringComparison.Ordinal);

        await ExpectAsync(_server, HttpMethod.Delete, ArtifactsUrl("test/tree") + "/" + first.Digest, HttpStatusCode.OK);
        await ErrorAsync(_server, HttpMethod.Get, ArtifactsUrl("test/tree") + "/" + first.Digest, HttpStatusCode.NotFound, "NOT_FOUND");
        await ErrorAsync(_server, HttpMethod.Get, ArtifactsUrl("test/tree") + "/" + own.Manifest.Digest, HttpStatusCode.NotFound, "NOT_FOUND");
        // Still named by the second index, or kept by a tag.
        await ExpectAsync(_server, HttpMethod.Get, ArtifactsUrl("test/tree") + "/" + shared.Manifest.Digest, HttpStatusCode.OK);
        await ExpectAsync(_server, HttpMethod.Get, ArtifactsUrl("test/tree") + "/child", HttpStatusCode.OK);
        var remaining = Names(await JsonAsync(_server, ArtifactsUrl("test/tree")), "digest").Order(StringComparer.Ordinal);
        Assert.Equal(new[] { second.Digest, tagged.Manifest.Digest }.Order(StringComparer.Ordinal), remaining);
    }

    [Fact]
    public async Task Filters_sorting_and_paging_follow_Harbors_query_language()
    {
        var images = Enumerable.Range(0, 3).Select(i => TestImage.Create().WithLayer(10 + i).Build()).ToList();
        await _server.Client.PushImageAsync("test/filters", images[0], "v1.0");
        await _server.Client.PushImageAsync("test/filters", images[1], "v2.0");
        await PushByDigestAsync(_server, "test/filters", images[2]);
        var path = ArtifactsUrl("test/filters");

        var (page1, json1) = await GetAsync(_server, path + "?page_size=2");
        Assert.Equal(3, TotalCount(page1));
        Assert.Equal([images[2].Manifest.Digest, images[1].Manifest.Digest], Names(json1, "digest"));
        AssertLinks(page1, path, 2, ("next", 2));
        page1.Dispose();
        var (page2, json2) = await GetAsync(_server, path + "?page=2&page_size=2");
        Assert.Equal([images[0].Manifest.Digest], Names(json2, "digest"));
        AssertLinks(page2, path, 2, ("prev", 1));
        page2.Dispose();

        async Task<List<string>> DigestsAsync(string query) => Names(await JsonAsync(_server, path + "?" + query), "digest");
        Assert.Equal([images[1].Manifest.Digest, images[0].Manifest.Digest], await DigestsAsync("q=tags%3D*"));
        Assert.Equal([images[2].Manifest.Digest], await DigestsAsync("q=tags%3Dnil"));
        Assert.Equal([images[1].Manifest.Digest], await DigestsAsync("q=tags%3Dv2.0"));
        Assert.Equal([images[1].Manifest.Digest, images[0].Manifest.Digest], await DigestsAsync("q=tags%3D~.0"));
        Assert.Empty(await DigestsAsync("q=tags%3Dv3"));
        Assert.Equal([images[0].Manifest.Digest], await DigestsAsync($"q=digest%3D{images[0].Manifest.Digest}"));
        Assert.Equal(3, (await DigestsAsync("q=type%3DIMAGE,media_type%3Dapplication/vnd.oci.image.config.v1%252Bjson")).Count);
        Assert.Empty(await DigestsAsync("q=type%3DCHART"));
        Assert.Equal(3, (await DigestsAsync("q=push_time%3D[2000-01-01T00:00:00~]")).Count);
        Assert.Empty(await DigestsAsync("q=push_time%3D[~2000-01-01T00:00:00]"));
        Assert.Empty(await DigestsAsync("q=labels%3D(1 2)"));
        Assert.Equal(
            images.Select(i => (i.Manifest.Digest, i.Manifest.Size + i.Blobs.Sum(b => b.Size))).OrderBy(x => x.Item2).Select(x => x.Digest),
            await DigestsAsync("sort=size"));
        Assert.Equal(images.Select(i => i.Manifest.Digest).Order(StringComparer.Ordinal), await DigestsAsync("sort=digest"));
    }

    [Theory]
    [InlineData("/sha256:xyz", HttpStatusCode.BadRequest, "BAD_REQUEST")]
    [InlineData("/md5:0123", HttpStatusCode.BadRequest, "BAD_REQUEST")]
    [InlineData("/-bad-tag", HttpStatusCode.BadRequest, "BAD_REQUEST")]
    [InlineData("/nosuchtag", HttpStatusCode.NotFound, "NOT_FOUND")]
    [InlineData("/sha256:0000000000000000000000000000000000000000000000000000000000000000", HttpStatusCode.NotFound, "NOT_FOUND")]
    [InlineData("?q=tags", HttpStatusCode.BadRequest, "BAD_REQUEST")]
    [InlineData("?q=tags%3D[1~2]", HttpStatusCode.BadRequest, "BAD_REQUEST")]
    [InlineData("?q=labels%3Dabc", HttpStatusCode.BadRequest, "BAD_REQUEST")]
    [InlineData("?q=labels%3D(a b)", HttpStatusCode.BadRequest, "BAD_REQUEST")]
    [InlineData("?q=base%3Dall", HttpStatusCode.BadRequest, "BAD_REQUEST")]
    [InlineData("?q=size%3Dbig", HttpStatusCode.BadRequest, "BAD_REQUEST")]
    [InlineData("?q=push_time%3Dyesterday", HttpStatusCode.BadRequest, "BAD_REQUEST")]
    [InlineData("?q=push_time%3D[tomorrow~]", HttpStatusCode.BadRequest, "BAD_REQUEST")]
    [InlineData("?q=secret%3Dx", HttpStatusCode.BadRequest, "BAD_REQUEST")]
    [InlineData("?sort=password", HttpStatusCode.BadRequest, "BAD_REQUEST")]
    [InlineData("?page=abc", HttpStatusCode.BadRequest, "BAD_REQUEST")]
    [InlineData("?page_size=-5", HttpStatusCode.BadRequest, "BAD_REQUEST")]
    [InlineData("?with_tag=maybe", HttpStatusCode.BadRequest, "BAD_REQUEST")]
    public async Task Bad_inputs_get_Harbors_error_body(string suffix, HttpStatusCode status, string code)
    {
        await _server.Client.PushImageAsync("test/bad", TestImage.Create().WithLayer(5).Build(), "v1");
        await ErrorAsync(_server, HttpMethod.Get, ArtifactsUrl("test/bad") + suffix, status, code);
    }

    [Fact]
    public async Task Anonymous_reads_a_public_project_and_is_refused_on_a_private_one()
    {
        var image = TestImage.Create().WithLayer(15).Build();
        await _server.Client.PushImageAsync("library/pub", image, "v1");
        await _server.Client.PushImageAsync("test/priv", image, "v1");

        foreach (var path in (string[])[ArtifactsUrl("library/pub"), ArtifactsUrl("library/pub") + "/v1", ArtifactsUrl("library/pub") + "/v1/tags",
                     "/api/v2.0/projects/library/repositories"])
        {
            using var anonymous = await _server.Anonymous.GetAsync(path);
            Assert.True(anonymous.StatusCode == HttpStatusCode.OK, $"{path}: {(int)anonymous.StatusCode}");
        }

        using (var anonymous = await _server.Anonymous.GetAsync(RepositoryUrl("library/pub")))
        {
            // A public project's repositories may be listed by anyone, but reading one needs a member's "read".
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        }

        using (var anonymous = await _server.Anonymous.GetAsync(ArtifactsUrl("test/priv")))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        }

        using (var anonymous = await _server.Anonymous.DeleteAsync(ArtifactsUrl("library/pub") + "/v1"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        }

        await ErrorAsync(_server, HttpMethod.Get, ArtifactsUrl("test/priv"), HttpStatusCode.Forbidden, "FORBIDDEN", authorization: Outsider);
        await ErrorAsync(_server, HttpMethod.Get, ArtifactsUrl("test/priv") + "/v1", HttpStatusCode.Forbidden, "FORBIDDEN", authorization: Outsider);
        await ExpectAsync(_server, HttpMethod.Get, ArtifactsUrl("test/priv") + "/v1", HttpStatusCode.OK, authorization: Developer);
        // Developers may not delete artifacts.
        await ErrorAsync(_server, HttpMethod.Delete, ArtifactsUrl("test/priv") + "/v1", HttpStatusCode.Forbidden, "FORBIDDEN", authorization: Developer);
        // Harbor lists an unknown repository as empty.
        Assert.Empty((await JsonAsync(_server, ArtifactsUrl("test/unknown"))).EnumerateArray());
    }
}
