using System.Net;
using System.Text.Json;
using Berth.Testing;
using static Berth.Tests.Contract.Contract;

namespace Berth.Tests.Contract;

/// <summary>Every /api/v2.0/robots operation: status, headers and body as Harbor's swagger defines them.</summary>
public sealed class RobotContractTests : IAsyncLifetime
{
    private static readonly string Admin = TestCredentials.AdminAuthorization;
    private static readonly string Rae = TestCredentials.Basic("rae", "Passw0rdRae");

    private BerthServer _server = null!;
    private long _projectId;

    public async ValueTask InitializeAsync()
    {
        _server = await BerthServer.StartAsync();
        await TestCredentials.AddUserAsync(_server.DataDirectory, "rae", "Passw0rdRae");
        using var created = await _server.SendAsync(HttpMethod.Post, "/api/v2.0/projects", Rae, """{"project_name":"bots"}""");
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        _projectId = long.Parse(created.Headers.Location!.OriginalString.Split('/')[^1], System.Globalization.CultureInfo.InvariantCulture);
    }

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();

    private Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? authorization, string? body = null) =>
        _server.SendAsync(method, path, authorization, body);

    private const string Builder = """
        {"name":"builder","description":"ci","level":"project","duration":30,"disable":false,
         "permissions":[{"kind":"project","namespace":"bots","access":[{"resource":"repository","action":"push"},{"resource":"repository","action":"pull"}]}]}
        """;

    [Fact]
    public async Task Every_operation_answers_in_harbors_shape()
    {
        string location;
        using (var created = await SendAsync(HttpMethod.Post, "/api/v2.0/robots", Rae, Builder))
        {
            location = AssertCreated(created, "/api/v2.0/robots/[0-9]+");
            using var body = JsonDocument.Parse(await created.Content.ReadAsStringAsync());
            AssertMatches(body.RootElement, "RobotCreated");
        }

        (await SendAsync(HttpMethod.Post, "/api/v2.0/robots", Rae, Builder.Replace("builder", "tester", StringComparison.Ordinal))).Dispose();
        await AssertListAsync(await SendAsync(HttpMethod.Get, $"/api/v2.0/robots?q=Level=project,ProjectID={_projectId}&page=2&page_size=1", Rae),
            "Robot", 2, "prev");
        await AssertListAsync(await SendAsync(HttpMethod.Get, "/api/v2.0/robots?page_size=1", Admin), "Robot", 2, "next");
        var robot = await AssertObjectAsync(await SendAsync(HttpMethod.Get, location, Rae), "Robot");
        Assert.Equal("robot$bots+builder", robot.GetProperty("name").GetString());

        var update = Builder.Replace("\"name\":\"builder\"", "\"name\":\"robot$bots+builder\"", StringComparison.Ordinal)
            .Replace("\"disable\":false", "\"disable\":true", StringComparison.Ordinal);
        await AssertEmptyOkAsync(await SendAsync(HttpMethod.Put, location, Rae, update));
        Assert.True((await AssertObjectAsync(await SendAsync(HttpMethod.Get, location, Rae), "Robot")).GetProperty("disable").GetBoolean());
        var secret = await AssertObjectAsync(await SendAsync(HttpMethod.Patch, location, Rae, """{"secret":""}"""), "RobotSec");
        Assert.Equal(32, secret.GetProperty("secret").GetString()!.Length);
        await AssertEmptyOkAsync(await SendAsync(HttpMethod.Delete, location, Rae));
    }

    [Fact]
    public async Task Every_operation_refuses_bad_input_in_harbors_shape()
    {
        using (var created = await SendAsync(HttpMethod.Post, "/api/v2.0/robots", Rae, Builder.Replace("builder", "keeper", StringComparison.Ordinal)))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }

        var cases = new (HttpMethod Method, string Path, string? Authorization, string? Body, HttpStatusCode Status)[]
        {
            (HttpMethod.Get, "/api/v2.0/robots", null, null, HttpStatusCode.Unauthorized),
            (HttpMethod.Get, "/api/v2.0/robots", Rae, null, HttpStatusCode.Forbidden),                  // system list: administrators
            (HttpMethod.Get, "/api/v2.0/robots?q=Level=project", Rae, null, HttpStatusCode.BadRequest),
            (HttpMethod.Get, "/api/v2.0/robots?page=0", Admin, null, HttpStatusCode.BadRequest),
            (HttpMethod.Get, "/api/v2.0/robots/999999", Admin, null, HttpStatusCode.NotFound),
            (HttpMethod.Get, "/api/v2.0/robots/999999", Rae, null, HttpStatusCode.Forbidden),
            (HttpMethod.Post, "/api/v2.0/robots", Rae, """{"name":""", HttpStatusCode.BadRequest),
            (HttpMethod.Post, "/api/v2.0/robots", Rae, Builder.Replace("builder", "keeper", StringComparison.Ordinal), HttpStatusCode.Conflict),
            (HttpMethod.Post, "/api/v2.0/robots", Rae, Builder.Replace("\"duration\":30", "\"duration\":0", StringComparison.Ordinal), HttpStatusCode.BadRequest),
            (HttpMethod.Put, "/api/v2.0/robots/999999", Admin, Builder, HttpStatusCode.NotFound),
            (HttpMethod.Patch, "/api/v2.0/robots/999999", Admin, """{"secret":""}""", HttpStatusCode.NotFound),
            (HttpMethod.Delete, "/api/v2.0/robots/999999", Admin, null, HttpStatusCode.NotFound),
            (HttpMethod.Delete, "/api/v2.0/robots/999999", Rae, null, HttpStatusCode.Forbidden),
        };
        foreach (var (method, path, authorization, body, status) in cases)
        {
            await AssertErrorAsync(await SendAsync(method, path, authorization, body), status);
        }
    }
}
