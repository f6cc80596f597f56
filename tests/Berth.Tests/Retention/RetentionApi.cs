using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Berth.Testing;

namespace Berth.Tests.Retention;

/// <summary>What the retention API tests share: policy bodies in Harbor's shape and the calls that make and read them.</summary>
internal static class RetentionApi
{
    /// <summary>One rule in Harbor's JSON; <paramref name="value"/> null leaves the template's parameter out.</summary>
    public static JsonObject Rule(string template = "latestPushedK", int? value = 10, string repositories = "**", string tags = "**",
        bool untagged = true, string repositoryDecoration = "repoMatches", string tagDecoration = "matches") => new()
        {
            ["disabled"] = false,
            ["action"] = "retain",
            ["template"] = template,
            ["params"] = value is { } v ? new JsonObject { [template] = v } : new JsonObject(),
            ["scope_selectors"] = new JsonObject
            {
                ["repository"] = new JsonArray(new JsonObject { ["kind"] = "doublestar", ["decoration"] = repositoryDecoration, ["pattern"] = repositories }),
            },
            ["tag_selectors"] = new JsonArray(new JsonObject
            {
                ["kind"] = "doublestar",
                ["decoration"] = tagDecoration,
                ["pattern"] = tags,
                ["extras"] = untagged ? "{\"untagged\":true}" : "{\"untagged\":false}",
            }),
        };

    /// <summary>A whole policy for project <paramref name="projectId"/>, with Harbor's trigger and scope (one default rule when none is given).</summary>
    public static JsonObject Policy(long projectId, string cron = "", params JsonObject[] rules) => new()
    {
        ["algorithm"] = "or",
        ["rules"] = new JsonArray(rules.Length == 0 ? [Rule()] : rules),
        ["trigger"] = new JsonObject { ["kind"] = "Schedule", ["settings"] = new JsonObject { ["cron"] = cron }, ["references"] = new JsonObject() },
        ["scope"] = new JsonObject { ["level"] = "project", ["ref"] = projectId },
    };

    public static async Task<long> ProjectIdAsync(BerthServer server, string name)
    {
        using var response = await server.Client.GetAsync($"/api/v2.0/projects/{name}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("project_id").GetInt64();
    }

    /// <summary>Creates a policy as the administrator and returns its id, read from the <c>Location</c> header.</summary>
    public static async Task<long> CreateAsync(BerthServer server, JsonObject body)
    {
        using var response = await server.SendAsync(HttpMethod.Post, "/api/v2.0/retentions", TestCredentials.AdminAuthorization, body.ToJsonString());
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var location = response.Headers.Location!.OriginalString;
        Assert.Matches("^/api/v2.0/retentions/[0-9]+$", location);
        return long.Parse(location[(location.LastIndexOf('/') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
    }

    public static async Task<JsonElement> GetJsonAsync(BerthServer server, string path, string? authorization = null)
    {
        using var response = await server.SendAsync(HttpMethod.Get, path, authorization ?? TestCredentials.AdminAuthorization);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType!.MediaType);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    /// <summary>Asserts Harbor's error body: <c>{"errors":[{"code":…,"message":…}]}</c> with the status's code.</summary>
    public static async Task<string> AssertErrorAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"{(int)response.StatusCode} {text}");
        var error = Assert.Single(JsonDocument.Parse(text).RootElement.GetProperty("errors").EnumerateArray());
        var code = status switch
        {
            HttpStatusCode.BadRequest => "BAD_REQUEST",
            HttpStatusCode.Unauthorized => "UNAUTHORIZED",
            HttpStatusCode.Forbidden => "FORBIDDEN",
            HttpStatusCode.NotFound => "NOT_FOUND",
            HttpStatusCode.Conflict => "CONFLICT",
            HttpStatusCode.PreconditionFailed => "PRECONDITION",
            _ => throw new ArgumentOutOfRangeException(nameof(status)),
        };
        Assert.Equal(code, error.GetProperty("code").GetString());
        var message = error.GetProperty("message").GetString()!;
        Assert.NotEmpty(message);
        return message;
    }
}
