using System.Net;
using Berth.Testing;
using static Berth.Tests.Contract.Contract;

namespace Berth.Tests.Contract;

/// <summary>Every /api/v2.0/projects/{p}/immutabletagrules operation, and the refusals immutability causes: as Harbor's swagger defines them.</summary>
public sealed class ImmutableRuleContractTests : IAsyncLifetime
{
    private static readonly string Owner = TestCredentials.Basic("ivy", "Passw0rdIvy");
    private static readonly string Outsider = TestCredentials.Basic("joe", "Passw0rdJoe");
    private const string Rules = "/api/v2.0/projects/vault/immutabletagrules";

    private const string Rule = """
        {"disabled":false,"action":"immutable","template":"immutable_template",
         "tag_selectors":[{"kind":"doublestar","decoration":"matches","pattern":"v*"}],
         "scope_selectors":{"repository":[{"kind":"doublestar","decoration":"repoMatches","pattern":"**"}]}}
        """;

    private BerthServer _server = null!;

    public async ValueTask InitializeAsync()
    {
        _server = await BerthServer.StartAsync();
        await TestCredentials.AddUserAsync(_server.DataDirectory, "ivy", "Passw0rdIvy");
        await TestCredentials.AddUserAsync(_server.DataDirectory, "joe", "Passw0rdJoe");
        using var created = await _server.SendAsync(HttpMethod.Post, "/api/v2.0/projects", Owner, """{"project_name":"vault"}""");
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
    }

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();

    private Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? authorization, string? body = null) =>
        _server.SendAsync(method, path, authorization, body);

    [Fact]
    public async Task Every_operation_answers_in_harbors_shape()
    {
        string location;
        using (var created = await SendAsync(HttpMethod.Post, Rules, Owner, Rule))
        {
            location = AssertCreated(created, Rules + "/[0-9]+");
        }

        using (var second = await SendAsync(HttpMethod.Post, Rules, Owner, Rule.Replace("v*", "release-*", StringComparison.Ordinal)))
        {
            AssertCreated(second, Rules + "/[0-9]+");
        }

        await AssertListAsync(await SendAsync(HttpMethod.Get, Rules + "?page_size=1", Owner), "ImmutableRule", 2, "next");
        var list = await AssertListAsync(await SendAsync(HttpMethod.Get, Rules + "?page=2&page_size=1", Owner), "ImmutableRule", 2, "prev");
        Assert.Equal("release-*", list[0].GetProperty("tag_selectors")[0].GetProperty("pattern").GetString());
        await AssertEmptyOkAsync(await SendAsync(HttpMethod.Put, location, Owner, Rule.Replace("false", "true", StringComparison.Ordinal)));
        await AssertEmptyOkAsync(await SendAsync(HttpMethod.Delete, location, Owner));
    }

    [Fact]
    public async Task Every_operation_refuses_bad_input_in_harbors_shape()
    {
        string location;
        using (var created = await SendAsync(HttpMethod.Post, Rules, Owner, Rule.Replace("v*", "x-*", StringComparison.Ordinal)))
        {
            location = AssertCreated(created, Rules + "/[0-9]+");
        }

        var cases = new (HttpMethod Method, string Path, string? Authorization, string? Body, HttpStatusCode Status)[]
        {
            (HttpMethod.Get, Rules, null, null, HttpStatusCode.Unauthorized),
            (HttpMethod.Get, Rules, Outsider, null, HttpStatusCode.Forbidden),
            (HttpMethod.Get, Rules + "?page=0", Owner, null, HttpStatusCode.BadRequest),
            (HttpMethod.Get, "/api/v2.0/projects/nothing/immutabletagrules", TestCredentials.AdminAuthorization, null, HttpStatusCode.NotFound),
            (HttpMethod.Post, Rules, Owner, """{"action":"immutable"}""", HttpStatusCode.BadRequest),
            (HttpMethod.Post, Rules, Owner, "{", HttpStatusCode.BadRequest),
            (HttpMethod.Post, Rules, Owner, Rule.Replace("v*", "x-*", StringComparison.Ordinal), HttpStatusCode.Conflict),
            (HttpMethod.Post, Rules, Outsider, Rule, HttpStatusCode.Forbidden),
            (HttpMethod.Put, location, Owner, Rule.Replace("doublestar", "regex", StringComparison.Ordinal), HttpStatusCode.BadRequest),
            (HttpMethod.Put, Rules + "/999999", Owner, Rule, HttpStatusCode.NotFound),
            (HttpMethod.Delete, Rules + "/999999", Owner, null, HttpStatusCode.NotFound),
            (HttpMethod.Delete, location, null, null, HttpStatusCode.Unauthorized),
        };
        foreach (var (method, path, authorization, body, status) in cases)
        {
            await AssertErrorAsync(await SendAsync(method, path, authorization, body), status);
        }
    }

    [Fact]
    public async Task An_immutable_tag_refuses_changes_with_412_and_shows_in_tags()
    {
        (await SendAsync(HttpMethod.Post, Rules, Owner, Rule)).Dispose();
        await _server.Client.PushImageAsync("vault/app", TestImage.Create().WithLayer(30).Build(), "v1");
        var artifacts = "/api/v2.0/projects/vault/repositories/app/artifacts";
        var tags = await AssertListAsync(await SendAsync(HttpMethod.Get, artifacts + "/v1/tags?with_immutable_status=true", Owner), "Tag", 1);
        Assert.True(tags[0].GetProperty("immutable").GetBoolean());
        var artifact = await AssertObjectAsync(await SendAsync(HttpMethod.Get, artifacts + "/v1?with_immutable_status=true", Owner), "Artifact");
        Assert.True(artifact.GetProperty("tags")[0].GetProperty("immutable").GetBoolean());

        await AssertErrorAsync(await SendAsync(HttpMethod.Delete, artifacts + "/v1/tags/v1", Owner), HttpStatusCode.PreconditionFailed);
        await AssertErrorAsync(await SendAsync(HttpMethod.Delete, artifacts + "/v1", Owner), HttpStatusCode.PreconditionFailed);
        await AssertErrorAsync(await SendAsync(HttpMethod.Delete, "/api/v2.0/projects/vault/repositories/app", Owner), HttpStatusCode.PreconditionFailed);
        await AssertErrorAsync(await SendAsync(HttpMethod.Post, artifacts + "/v1/tags", Owner, """{"name":"v1"}"""), HttpStatusCode.PreconditionFailed);
    }
}
