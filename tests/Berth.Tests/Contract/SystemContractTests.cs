using System.Net;
using Berth.Testing;
using static Berth.Tests.Contract.Contract;

namespace Berth.Tests.Contract;

/// <summary>/api/v2.0/ping, /systeminfo and /health as Harbor's swagger and behaviour define them.</summary>
public sealed class SystemContractTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task Ping_is_plain_text_pong_for_anyone()
    {
        using var response = await fixture.Server.Anonymous.GetAsync("/api/v2.0/ping");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("Pong", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Systeminfo_shows_anonymous_callers_the_login_settings_and_signed_in_callers_the_rest()
    {
        var anonymous = await AssertObjectAsync(await fixture.Server.Anonymous.GetAsync("/api/v2.0/systeminfo"), "GeneralInfo");
        Assert.Equal(["auth_mode", "banner_message", "primary_auth_mode", "self_registration"],
            anonymous.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));

        var signedIn = await AssertObjectAsync(await fixture.Server.Client.GetAsync("/api/v2.0/systeminfo"), "GeneralInfo");
        foreach (var field in new[] { "harbor_version", "external_url", "registry_url", "read_only", "project_creation_restriction", "has_ca_root",
            "registry_storage_provider_name", "notification_enable", "current_time", "auth_mode" })
        {
            Assert.True(signedIn.TryGetProperty(field, out _), field);
        }

        using var wrong = await fixture.Server.SendAsync(HttpMethod.Get, "/api/v2.0/systeminfo", TestCredentials.Basic("admin", "wrong"));
        await AssertErrorAsync(wrong, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Health_reports_every_component()
    {
        var health = await AssertObjectAsync(await fixture.Server.Anonymous.GetAsync("/api/v2.0/health"), "OverallHealthStatus");
        Assert.Equal("healthy", health.GetProperty("status").GetString());
        var components = health.GetProperty("components").EnumerateArray().Select(c => c.GetProperty("name").GetString()).ToList();
        Assert.Contains("core", components);
        Assert.Contains("database", components);
        Assert.Contains("registry", components);
    }
}
