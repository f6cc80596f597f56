using System.Net;
using Berth.Testing;
using static Berth.Tests.Contract.Contract;

namespace Berth.Tests.Contract;

/// <summary>Every /api/v2.0/projects operation: status, headers and body as Harbor's swagger defines them.</summary>
public sealed class ProjectContractTests : IAsyncLifetime
{
    private static readonly string Admin = TestCredentials.AdminAuthorization;
    private static readonly string Mia = TestCredentials.Basic("mia", "Passw0rdMia");
    private static readonly string Ned = TestCredentials.Basic("ned", "Passw0rdNed");

    private BerthServer _server = null!;

    public async ValueTask InitializeAsync()
    {
        _server = await BerthServer.StartAsync();
        await TestCredentials.AddUserAsync(_server.DataDirectory, "mia", "Passw0rdMia");
        await TestCredentials.AddUserAsync(_server.DataDirectory, "ned", "Passw0rdNed");
    }

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();

    private Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? authorization, string? body = null) =>
        _server.SendAsync(method, path, authorization, body);

    [Fact]
    public async Task Every_operation_answers_in_harbors_shape()
    {
        string location;
        using (var created = await SendAsync(HttpMethod.Post, "/api/v2.0/projects", Mia, """{"project_name":"contract","metadata":{"public":"false"}}"""))
        {
            location = AssertCreated(created, "/api/v2.0/projects/[0-9]+");
            Assert.Equal("", await created.Content.ReadAsStringAsync());
        }

        (await SendAsync(HttpMethod.Post, "/api/v2.0/projects", Mia, """{"project_name":"contract-two","metadata":{"public":"true"}}""")).Dispose();
        await _server.Client.PushImageAsync("contract/app", TestImage.Create().WithLayer(30).Build(), "v1");

        using (var exists = await SendAsync(HttpMethod.Head, "/api/v2.0/projects?project_name=contract", Mia))
        {
            Assert.Equal(HttpStatusCode.OK, exists.StatusCode);
        }

        using (var missing = await SendAsync(HttpMethod.Head, "/api/v2.0/projects?project_name=nothing-here", Mia))
        {
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        }

        var project = await AssertObjectAsync(await SendAsync(HttpMethod.Get, location, Mia), "Project");
        Assert.Equal(1, project.GetProperty("repo_count").GetInt32());
        await AssertObjectAsync(await SendAsync(HttpMethod.Get, "/api/v2.0/projects/contract", Admin), "Project");
        await AssertObjectAsync(await SendAsync(HttpMethod.Get, "/api/v2.0/projects/library", null), "Project");

        await AssertListAsync(await SendAsync(HttpMethod.Get, "/api/v2.0/projects?name=contract&page=1&page_size=1", Mia), "Project", 2, "next");
        await AssertListAsync(await SendAsync(HttpMethod.Get, "/api/v2.0/projects?q=name%3D~contract&sort=-name&page=2&page_size=1", Mia), "Project", 2, "prev");
        await AssertListAsync(await SendAsync(HttpMethod.Get, "/api/v2.0/projects?owner=mia&with_detail=false", Mia), "Project", 2);
        await AssertListAsync(await SendAsync(HttpMethod.Get, "/api/v2.0/projects?public=true", null), "Project");

        await AssertEmptyOkAsync(await SendAsync(HttpMethod.Put, location, Mia, """{"metadata":{"public":"true"}}"""));
        var deletable = await AssertObjectAsync(await SendAsync(HttpMethod.Get, location + "/_deletable", Mia), "ProjectDeletable");
        Assert.False(deletable.GetProperty("deletable").GetBoolean());
        await AssertObjectAsync(await SendAsync(HttpMethod.Get, "/api/v2.0/projects/contract-two/_deletable", Admin), "ProjectDeletable");
        var summary = await AssertObjectAsync(await SendAsync(HttpMethod.Get, location + "/summary", Mia), "ProjectSummary");
        Assert.Equal(1, summary.GetProperty("project_admin_count").GetInt32());
        await AssertObjectAsync(await SendAsync(HttpMethod.Get, location + "/summary", Ned), "ProjectSummary");   // public now: no member counts
        await AssertEmptyOkAsync(await SendAsync(HttpMethod.Delete, "/api/v2.0/projects/contract-two", Mia));
    }

    [Fact]
    public async Task Every_operation_refuses_bad_input_in_harbors_shape()
    {
        (await SendAsync(HttpMethod.Post, "/api/v2.0/projects", Mia, """{"project_name":"taken"}""")).Dispose();
        await _server.Client.PushImageAsync("taken/app", TestImage.Create().WithLayer(31).Build(), "v1");
        var cases = new (HttpMethod Method, string Path, string? Authorization, string? Body, HttpStatusCode Status)[]
        {
            (HttpMethod.Post, "/api/v2.0/projects", Mia, """{"project_name":"Not Valid"}""", HttpStatusCode.BadRequest),
            (HttpMethod.Post, "/api/v2.0/projects", Mia, """{"project_name":"taken"}""", HttpStatusCode.Conflict),
            (HttpMethod.Post, "/api/v2.0/projects", Mia, """{"project_name":""", HttpStatusCode.BadRequest),
            (HttpMethod.Post, "/api/v2.0/projects", null, """{"project_name":"anon"}""", HttpStatusCode.Unauthorized),
            (HttpMethod.Get, "/api/v2.0/projects?q=name%3D%7Ba", Mia, null, HttpStatusCode.BadRequest),
            (HttpMethod.Get, "/api/v2.0/projects?q=project_id%3Dx", Mia, null, HttpStatusCode.BadRequest),
            (HttpMethod.Get, "/api/v2.0/projects?public=sometimes", Mia, null, HttpStatusCode.BadRequest),
            (HttpMethod.Get, "/api/v2.0/projects?page_size=0", Mia, null, HttpStatusCode.BadRequest),
            (HttpMethod.Get, "/api/v2.0/projects", TestCredentials.Basic("mia", "wrong"), null, HttpStatusCode.Unauthorized),
            (HttpMethod.Head, "/api/v2.0/projects", Mia, null, HttpStatusCode.BadRequest),
            (HttpMethod.Get, "/api/v2.0/projects/taken", Ned, null, HttpStatusCode.Forbidden),
            (HttpMethod.Get, "/api/v2.0/projects/taken", null, null, HttpStatusCode.Unauthorized),
            (HttpMethod.Get, "/api/v2.0/projects/nothing-here", Admin, null, HttpStatusCode.NotFound),
            (HttpMethod.Put, "/api/v2.0/projects/taken", Mia, """{"metadata":{"public":"perhaps"}}""", HttpStatusCode.BadRequest),
            (HttpMethod.Put, "/api/v2.0/projects/taken", Ned, """{"metadata":{"public":"true"}}""", HttpStatusCode.Forbidden),
            (HttpMethod.Delete, "/api/v2.0/projects/taken", Mia, null, HttpStatusCode.PreconditionFailed),
            (HttpMethod.Delete, "/api/v2.0/projects/nothing-here", Admin, null, HttpStatusCode.NotFound),
            (HttpMethod.Get, "/api/v2.0/projects/taken/_deletable", Ned, null, HttpStatusCode.Forbidden),
            (HttpMethod.Get, "/api/v2.0/projects/nothing-here/_deletable", Admin, null, HttpStatusCode.NotFound),
            (HttpMethod.Get, "/api/v2.0/projects/taken/summary", null, null, HttpStatusCode.Unauthorized),
            (HttpMethod.Get, "/api/v2.0/projects/nothing-here/summary", Admin, null, HttpStatusCode.NotFound),
        };
        foreach (var (method, path, authorization, body, status) in cases)
        {
            using var response = await SendAsync(method, path, authorization, body);
            if (method == HttpMethod.Head)
            {
                Assert.Equal(status, response.StatusCode);   // a HEAD answer has no body to carry the error
                continue;
            }

            await AssertErrorAsync(response, status);
        }
    }
}
