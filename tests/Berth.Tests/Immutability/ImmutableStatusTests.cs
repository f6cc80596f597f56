using System.Net;
using System.Text.Json;
using Berth.Testing;
using static Berth.Tests.Immutability.ImmutabilityApi;

namespace Berth.Tests.Immutability;

/// <summary>What the listings say about immutability, that a rule takes effect and stops at once, and what protects accessories.</summary>
public sealed class ImmutableStatusTests : IAsyncLifetime
{
    private BerthServer _server = null!;

    public async ValueTask InitializeAsync() => _server = await BerthServer.StartAsync();

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();

    private async Task<JsonElement> GetAsync(string path)
    {
        using var response = await _server.Client.GetAsync(path);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {path}: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private static Dictionary<string, bool> Immutability(JsonElement tags) =>
        tags.EnumerateArray().ToDictionary(t => t.GetProperty("name").GetString()!, t => t.GetProperty("immutable").GetBoolean());

    [Fact]
    public async Task Listings_say_which_tags_are_immutable_when_asked()
    {
        var project = await NewProjectAsync(_server);
        var image = TestImage.Create().WithLayer(40).Build();
        await _server.Client.PushImageAsync(project + "/web/app", image, "v1");
        using (var latest = await _server.Client.PushManifestAsync(project + "/web/app", "latest", image.Manifest))
        {
            Assert.Equal(HttpStatusCode.Created, latest.StatusCode);
        }

        await CreateRuleAsync(_server, project, Rule("v*", "web/**"));
        var artifacts = $"/api/v2.0/projects/{project}/repositories/web%252Fapp/artifacts";

        var asked = await GetAsync(artifacts + "?with_immutable_status=true");
        Assert.Equal(new Dictionary<string, bool> { ["v1"] = true, ["latest"] = false }, Immutability(asked[0].GetProperty("tags")));
        var one = await GetAsync($"{artifacts}/{image.Manifest.Digest}?with_immutable_status=true");
        Assert.Equal(new Dictionary<string, bool> { ["v1"] = true, ["latest"] = false }, Immutability(one.GetProperty("tags")));
        var tags = await GetAsync($"{artifacts}/latest/tags?with_immutable_status=true");
        Assert.Equal(new Dictionary<string, bool> { ["v1"] = true, ["latest"] = false }, Immutability(tags));

        // Not asked: false everywhere, as Harbor answers.
        Assert.All(Immutability((await GetAsync(artifacts))[0].GetProperty("tags")).Values, Assert.False);
        Assert.All(Immutability(await GetAsync($"{artifacts}/latest/tags")).Values, Assert.False);
        using var bad = await _server.Client.GetAsync($"{artifacts}/latest/tags?with_immutable_status=maybe");
        await AssertErrorAsync(bad, HttpStatusCode.BadRequest, "BAD_REQUEST");
    }

    [Fact]
    public async Task A_rule_protects_from_the_moment_it_exists_and_stops_when_disabled_or_deleted()
    {
        var project = await NewProjectAsync(_server);
        var repository = project + "/app";
        var first = TestImage.Create().WithLayer(41).Build();
        var second = TestImage.Create().WithLayer(42).Build();
        await _server.Client.PushImageAsync(repository, first, "v1");
        await _server.Client.PushImageAsync(repository, second, "v2");

        // Pushes before the rule existed were remembered as "no rules": the rule must still apply at once.
        var id = await CreateRuleAsync(_server, project, Rule("v*"));
        using (var refused = await _server.Client.PushManifestAsync(repository, "v1", second.Manifest))
        {
            await AssertErrorAsync(refused, HttpStatusCode.PreconditionFailed, "PRECONDITION");
        }

        var disabled = Rule("v*", disabled: true);
        using (var put = await _server.SendAsync(HttpMethod.Put, $"{RulesUrl(project)}/{id}", TestCredentials.AdminAuthorization, disabled.ToJsonString()))
        {
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        }

        using (var allowed = await _server.Client.PushManifestAsync(repository, "v1", second.Manifest))
        {
            Assert.Equal(HttpStatusCode.Created, allowed.StatusCode);
        }

        using (var put = await _server.SendAsync(HttpMethod.Put, $"{RulesUrl(project)}/{id}", TestCredentials.AdminAuthorization, Rule("v*").ToJsonString()))
        {
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        }

        using (var refused = await _server.Client.DeleteAsync($"/v2/{repository}/manifests/v2"))
        {
            await AssertErrorAsync(refused, HttpStatusCode.PreconditionFailed, "PRECONDITION");
        }

        using (var deleted = await _server.SendAsync(HttpMethod.Delete, $"{RulesUrl(project)}/{id}", TestCredentials.AdminAuthorization))
        {
            Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        }

        using (var allowed = await _server.Client.DeleteAsync($"/v2/{repository}/manifests/v2"))
        {
            Assert.Equal(HttpStatusCode.Accepted, allowed.StatusCode);
        }
    }

    [Fact]
    public async Task A_rule_protects_its_own_project_only()
    {
        var guarded = await NewProjectAsync(_server);
        var open = await NewProjectAsync(_server);
        await CreateRuleAsync(_server, guarded, Rule());
        var image = TestImage.Create().WithLayer(43).Build();
        await _server.Client.PushImageAsync(open + "/app", image, "v1");
        await _server.Client.PushImageAsync(guarded + "/app", image, "v1");
        using (var allowed = await _server.Client.PushManifestAsync(open + "/app", "v1", image.Manifest))
        {
            Assert.Equal(HttpStatusCode.Created, allowed.StatusCode);
        }

        using var refused = await _server.Client.PushManifestAsync(guarded + "/app", "v1", image.Manifest);
        var message = await AssertErrorAsync(refused, HttpStatusCode.PreconditionFailed, "PRECONDITION");
        Assert.Contains($"{guarded}/app:v1", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_artifact_whose_signature_carries_an_immutable_tag_is_not_deleted_with_it()
    {
        var project = await NewProjectAsync(_server);
        var repository = project + "/app";
        var image = TestImage.Create().WithLayer(44).Build();
        await _server.Client.PushImageAsync(repository, image, "dev");
        var signature = TestImage.Create().WithLayer(9).Build();
        var signatureTag = "sha256-" + image.Manifest.Digest["sha256:".Length..] + ".sig";
        await _server.Client.PushImageAsync(repository, signature, signatureTag);
        await CreateRuleAsync(_server, project, Rule("*.sig"));

        using (var refused = await _server.SendAsync(HttpMethod.Delete,
            $"/api/v2.0/projects/{project}/repositories/app/artifacts/{image.Manifest.Digest}", TestCredentials.AdminAuthorization))
        {
            var message = await AssertErrorAsync(refused, HttpStatusCode.PreconditionFailed, "PRECONDITION");
            Assert.Contains(signatureTag, message, StringComparison.Ordinal);
        }

        foreach (var digest in new[] { image.Manifest.Digest, signature.Manifest.Digest })
        {
            using var pull = await _server.Client.GetAsync($"/v2/{repository}/manifests/{digest}");
            Assert.Equal(HttpStatusCode.OK, pull.StatusCode);
        }

        // The tag dev itself is not protected: removing it alone is fine.
        using var untag = await _server.SendAsync(HttpMethod.Delete,
            $"/api/v2.0/projects/{project}/repositories/app/artifacts/dev/tags/dev", TestCredentials.AdminAuthorization);
        Assert.Equal(HttpStatusCode.OK, untag.StatusCode);
    }
}
