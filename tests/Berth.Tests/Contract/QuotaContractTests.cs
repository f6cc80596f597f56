using System.Net;
using Berth.Testing;
using static Berth.Tests.Contract.Contract;

namespace Berth.Tests.Contract;

/// <summary>/api/v2.0/quotas and the project summary's quota as Harbor's swagger defines them.</summary>
public sealed class QuotaContractTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? json = null, bool anonymous = false) =>
        fixture.Server.SendAsync(method, path, anonymous ? null : TestCredentials.AdminAuthorization, json);

    [Fact]
    public async Task Quotas_are_listed_read_and_updated_in_Harbors_shapes()
    {
        foreach (var name in new[] { "qc-one", "qc-two" })
        {
            using var created = await SendAsync(HttpMethod.Post, "/api/v2.0/projects", $$"""{"project_name":"{{name}}","storage_limit":1048576}""");
            AssertCreated(created, "/api/v2.0/projects/[0-9]+");
        }

        (await fixture.Client.PushBlobAsync("qc-one/app", TestBlob.Random(64))).Dispose();
        var list = await AssertListAsync(await SendAsync(HttpMethod.Get, "/api/v2.0/quotas?page_size=1&sort=-used.storage"), "Quota", null, "next");
        var first = list[0];
        Assert.Equal("qc-one", first.GetProperty("ref").GetProperty("name").GetString());
        Assert.Equal(64, first.GetProperty("used").GetProperty("storage").GetInt64());
        var id = first.GetProperty("id").GetInt64();
        await AssertListAsync(await SendAsync(HttpMethod.Get, "/api/v2.0/quotas?page=2&page_size=1&sort=-used.storage"), "Quota", null, "prev");

        var quota = await AssertObjectAsync(await SendAsync(HttpMethod.Get, $"/api/v2.0/quotas/{id}"), "Quota");
        Assert.Equal(1048576, quota.GetProperty("hard").GetProperty("storage").GetInt64());
        await AssertEmptyOkAsync(await SendAsync(HttpMethod.Put, $"/api/v2.0/quotas/{id}", """{"hard":{"storage":-1}}"""));
        quota = await AssertObjectAsync(await SendAsync(HttpMethod.Get, $"/api/v2.0/quotas/{id}"), "Quota");
        Assert.Equal(-1, quota.GetProperty("hard").GetProperty("storage").GetInt64());

        var summary = await AssertObjectAsync(await SendAsync(HttpMethod.Get, "/api/v2.0/projects/qc-one/summary"), "ProjectSummary");
        Assert.Equal(64, summary.GetProperty("quota").GetProperty("used").GetProperty("storage").GetInt64());

        await AssertErrorAsync(await SendAsync(HttpMethod.Get, "/api/v2.0/quotas/999999"), HttpStatusCode.NotFound);
        await AssertErrorAsync(await SendAsync(HttpMethod.Put, $"/api/v2.0/quotas/{id}", """{"hard":{"storage":0}}"""), HttpStatusCode.BadRequest);
        await AssertErrorAsync(await SendAsync(HttpMethod.Get, "/api/v2.0/quotas", anonymous: true), HttpStatusCode.Unauthorized);
    }
}
