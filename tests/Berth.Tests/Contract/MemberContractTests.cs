using System.Net;
using Berth.Testing;
using static Berth.Tests.Contract.Contract;

namespace Berth.Tests.Contract;

/// <summary>Every /api/v2.0/projects/{p}/members operation: status, headers and body as Harbor's swagger defines them.</summary>
public sealed class MemberContractTests : IAsyncLifetime
{
    private static readonly string Owner = TestCredentials.Basic("ora", "Passw0rdOra");
    private static readonly string Guest = TestCredentials.Basic("pat", "Passw0rdPat");

    private BerthServer _server = null!;

    public async ValueTask InitializeAsync()
    {
        _server = await BerthServer.StartAsync();
        await TestCredentials.AddUserAsync(_server.DataDirectory, "ora", "Passw0rdOra");
        await TestCredentials.AddUserAsync(_server.DataDirectory, "pat", "Passw0rdPat");
        await TestCredentials.AddUserAsync(_server.DataDirectory, "quin", "Passw0rdQuin");
        using var created = await _server.SendAsync(HttpMethod.Post, "/api/v2.0/projects", Owner, """{"project_name":"crew"}""");
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
    }

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();

    private Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? authorization, string? body = null) =>
        _server.SendAsync(method, path, authorization, body);

    [Fact]
    public async Task Every_operation_answers_in_harbors_shape()
    {
        string location;
        using (var added = await SendAsync(HttpMethod.Post, "/api/v2.0/projects/crew/members", Owner, """{"role_id":3,"member_user":{"username":"pat"}}"""))
        {
            location = AssertCreated(added, "/api/v2.0/projects/crew/members/[0-9]+");
        }

        (await SendAsync(HttpMethod.Post, "/api/v2.0/projects/crew/members", Owner, """{"role_id":2,"member_user":{"username":"quin"}}""")).Dispose();
        await AssertListAsync(await SendAsync(HttpMethod.Get, "/api/v2.0/projects/crew/members?page=2&page_size=1", Guest), "ProjectMemberEntity", 3, "prev", "next");
        await AssertListAsync(await SendAsync(HttpMethod.Get, "/api/v2.0/projects/crew/members?entityname=pa", Guest), "ProjectMemberEntity", 1);
        var member = await AssertObjectAsync(await SendAsync(HttpMethod.Get, location, Guest), "ProjectMemberEntity");
        Assert.Equal("guest", member.GetProperty("role_name").GetString());
        await AssertEmptyOkAsync(await SendAsync(HttpMethod.Put, location, Owner, """{"role_id":4}"""));
        await AssertEmptyOkAsync(await SendAsync(HttpMethod.Delete, location, Owner));
    }

    [Fact]
    public async Task Every_operation_refuses_bad_input_in_harbors_shape()
    {
        (await SendAsync(HttpMethod.Post, "/api/v2.0/projects/crew/members", Owner, """{"role_id":5,"member_user":{"username":"pat"}}""")).Dispose();
        var cases = new (HttpMethod Method, string Path, string? Authorization, string? Body, HttpStatusCode Status)[]
        {
            (HttpMethod.Get, "/api/v2.0/projects/crew/members", Guest, null, HttpStatusCode.Forbidden),            // a limited guest
            (HttpMethod.Get, "/api/v2.0/projects/crew/members", null, null, HttpStatusCode.Unauthorized),
            (HttpMethod.Get, "/api/v2.0/projects/crew/members?page=0", Owner, null, HttpStatusCode.BadRequest),
            (HttpMethod.Get, "/api/v2.0/projects/nothing/members", TestCredentials.AdminAuthorization, null, HttpStatusCode.NotFound),
            (HttpMethod.Post, "/api/v2.0/projects/crew/members", Owner, """{"role_id":7,"member_user":{"username":"quin"}}""", HttpStatusCode.BadRequest),
            (HttpMethod.Post, "/api/v2.0/projects/crew/members", Owner, """{"role_id":2}""", HttpStatusCode.BadRequest),
            (HttpMethod.Post, "/api/v2.0/projects/crew/members", Owner, """{"role_id":""", HttpStatusCode.BadRequest),
            (HttpMethod.Post, "/api/v2.0/projects/crew/members", Owner, """{"role_id":2,"member_user":{"username":"ghost"}}""", HttpStatusCode.NotFound),
            (HttpMethod.Post, "/api/v2.0/projects/crew/members", Owner, """{"role_id":2,"member_user":{"username":"pat"}}""", HttpStatusCode.Conflict),
            (HttpMethod.Post, "/api/v2.0/projects/crew/members", Guest, """{"role_id":2,"member_user":{"username":"quin"}}""", HttpStatusCode.Forbidden),
            (HttpMethod.Get, "/api/v2.0/projects/crew/members/999999", Owner, null, HttpStatusCode.NotFound),
            (HttpMethod.Put, "/api/v2.0/projects/crew/members/999999", Owner, """{"role_id":2}""", HttpStatusCode.NotFound),
            (HttpMethod.Put, "/api/v2.0/projects/crew/members/999999", Owner, """{"role_id":0}""", HttpStatusCode.BadRequest),
            (HttpMethod.Delete, "/api/v2.0/projects/crew/members/999999", Owner, null, HttpStatusCode.NotFound),
            (HttpMethod.Delete, "/api/v2.0/projects/crew/members/999999", Guest, null, HttpStatusCode.Forbidden),
        };
        foreach (var (method, path, authorization, body, status) in cases)
        {
            using var response = await SendAsync(method, path, authorization, body);
            await AssertErrorAsync(response, status);
        }
    }
}
