using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Berth.Testing;

namespace Berth.Tests.Immutability;

/// <summary>What the tag immutability tests share: rules in Harbor's JSON, projects to put them in, and the calls.</summary>
internal static class ImmutabilityApi
{
    public static string RulesUrl(string project) => $"/api/v2.0/projects/{project}/immutabletagrules";

    /// <summary>One rule in Harbor's shape, as the portal and Terraform send it.</summary>
    public static JsonObject Rule(string tags = "**", string repositories = "**", string tagDecoration = "matches",
        string repositoryDecoration = "repoMatches", bool disabled = false) => new()
        {
            ["disabled"] = disabled,
            ["action"] = "immutable",
            ["template"] = "immutable_template",
            ["tag_selectors"] = new JsonArray(new JsonObject { ["kind"] = "doublestar", ["decoration"] = tagDecoration, ["pattern"] = tags }),
            ["scope_selectors"] = new JsonObject
            {
                ["repository"] = new JsonArray(new JsonObject { ["kind"] = "doublestar", ["decoration"] = repositoryDecoration, ["pattern"] = repositories }),
            },
        };

    /// <summary>A new private project, created by the administrator; returns its name.</summary>
    public static async Task<string> NewProjectAsync(BerthServer server, string prefix = "im")
    {
        var name = prefix + Guid.NewGuid().ToString("N")[..10];
        using var response = await server.SendAsync(HttpMethod.Post, "/api/v2.0/projects", TestCredentials.AdminAuthorization,
            $$"""{"project_name":"{{name}}"}""");
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return name;
    }

    public static async Task<long> ProjectIdAsync(BerthServer server, string name)
    {
        using var response = await server.SendAsync(HttpMethod.Get, $"/api/v2.0/projects/{name}", TestCredentials.AdminAuthorization);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("project_id").GetInt64();
    }

    /// <summary>Creates a rule as the administrator and returns its id, read from <c>Location</c>.</summary>
    public static async Task<long> CreateRuleAsync(BerthServer server, string project, JsonObject rule)
    {
        using var response = await server.SendAsync(HttpMethod.Post, RulesUrl(project), TestCredentials.AdminAuthorization, rule.ToJsonString());
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"{(int)response.StatusCode} {text}");
        var location = response.Headers.Location!.OriginalString;
        Assert.Matches($"^{RulesUrl(project)}/[0-9]+$", location);
        return long.Parse(location[(location.LastIndexOf('/') + 1)..], CultureInfo.InvariantCulture);
    }

    /// <summary>Asserts an error body, <c>{"errors":[{"code","message"}]}</c>, with the status and code; returns the message.</summary>
    public static async Task<string> AssertErrorAsync(HttpResponseMessage response, HttpStatusCode status, string code)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"{(int)response.StatusCode}, expected {(int)status}: {text}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var error = JsonDocument.Parse(text).RootElement.GetProperty("errors")[0];
        Assert.Equal(code, error.GetProperty("code").GetString());
        var message = error.GetProperty("message").GetString()!;
        Assert.NotEmpty(message);
        return message;
    }

    /// <summary>Pushes the blobs of <paramref name="image"/> and its manifest by digest: an untagged artifact.</summary>
    public static async Task PushByDigestAsync(BerthServer server, string repository, TestImage image)
    {
        foreach (var blob in image.Blobs)
        {
            using var response = await server.Client.PushBlobAsync(repository, blob);
            RegistryClient.Expect(response, HttpStatusCode.Created);
        }

        using var put = await server.Client.PushManifestAsync(repository, image.Manifest.Digest, image.Manifest);
        RegistryClient.Expect(put, HttpStatusCode.Created);
    }
}
