using System.Net;
using Berth.Testing;

namespace Berth.Tests.Distribution;

public sealed class BaseTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private HttpClient Client => fixture.Client;

    [Fact]
    public async Task Base_answers_with_the_api_version()
    {
        using var response = await Client.GetAsync("/v2/");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("registry/2.0", response.Headers.GetValues("Docker-Distribution-API-Version").Single());
        using var noSlash = await Client.GetAsync("/v2");
        Assert.Equal(HttpStatusCode.OK, noSlash.StatusCode);
    }

    [Fact]
    public async Task An_unknown_endpoint_is_a_404_in_the_specs_format()
    {
        using var response = await Client.GetAsync("/v2/library/x/nothing-here");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("NAME_UNKNOWN", await response.ErrorCodeAsync());
    }

    [Fact]
    public async Task A_wrong_method_is_unsupported()
    {
        using var response = await Client.PostAsync("/v2/_catalog", null);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Equal("UNSUPPORTED", await response.ErrorCodeAsync());
        Assert.Contains("GET", response.Content.Headers.Allow);
    }

    [Theory]
    [InlineData("/v2/Library/alpine/manifests/latest")]
    [InlineData("/v2/library/al%20pine/tags/list")]
    [InlineData("/v2/-x/blobs/uploads/")]
    public async Task Invalid_names_are_name_invalid(string path)
    {
        using var response = await Client.GetAsync(path);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("NAME_INVALID", await response.ErrorCodeAsync());
    }

    [Fact]
    public async Task A_name_of_300_characters_is_name_invalid()
    {
        using var response = await Client.GetAsync($"/v2/{new string('a', 300)}/tags/list");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("NAME_INVALID", await response.ErrorCodeAsync());
    }

    [Theory]
    [InlineData("GET /v2/library/../etc/manifests/latest HTTP/1.1")]
    [InlineData("GET /v2/library/%2e%2e/etc/manifests/latest HTTP/1.1")]
    [InlineData("GET /v2/library/%2E%2E/%2e%2e/tags/list HTTP/1.1")]
    [InlineData("GET /v2/a/./b/tags/list HTTP/1.1")]
    [InlineData("GET /v2/library/x/blobs/uploads/x%2f..%2f.. HTTP/1.1")]
    public async Task Dot_segments_are_name_invalid_before_any_normalisation(string requestLine)
    {
        var (status, response) = await RawHttp.SendAsync(fixture.Server.Address, requestLine);
        Assert.Equal(400, status);
        Assert.Contains("NAME_INVALID", response, StringComparison.Ordinal);
    }
}
