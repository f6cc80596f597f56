using System.Net;
using System.Text.Json;
using Berth.Data;
using Berth.Gc;
using Berth.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Berth.Tests.Projects;

/// <summary>Project storage quotas: exact usage through pushes, deletes and GC, the limit under racing pushes, and <c>/api/v2.0/quotas</c>.</summary>
public sealed class QuotaTests : IAsyncLifetime
{
    private BerthServer _server = null!;

    private HttpClient Client => _server.Client;

    public async ValueTask InitializeAsync() => _server = await BerthServer.StartAsync(new Dictionary<string, string?>
    {
        ["Gc:GraceWindow"] = "00:00:00",
    });

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();

    private async Task<long> CreateProjectAsync(string name, long? storageLimit = null, string? authorization = null)
    {
        var limit = storageLimit is { } l ? $",\"storage_limit\":{l}" : "";
        using var response = await _server.SendAsync(HttpMethod.Post, "/api/v2.0/projects", authorization ?? TestCredentials.AdminAuthorization,
            $$"""{"project_name":"{{name}}"{{limit}}}""");
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return long.Parse(response.Headers.Location!.OriginalString.Split('/')[^1], System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>The project's quota as <c>GET /quotas?reference_id=</c> shows it.</summary>
    private async Task<(long Id, long Hard, long Used)> QuotaAsync(long projectId)
    {
        using var json = JsonDocument.Parse(await Client.GetStringAsync($"/api/v2.0/quotas?reference=project&reference_id={projectId}"));
        var quota = Assert.Single(json.RootElement.EnumerateArray());
        Assert.Equal(projectId, quota.GetProperty("ref").GetProperty("id").GetInt64());
        return (quota.GetProperty("id").GetInt64(), quota.GetProperty("hard").GetProperty("storage").GetInt64(),
            quota.GetProperty("used").GetProperty("storage").GetInt64());
    }

    private async Task<long> UsedAsync(long projectId) => (await QuotaAsync(projectId)).Used;

    private static long SizeOf(params IEnumerable<TestBlob>[] blobs) =>
        blobs.SelectMany(b => b).DistinctBy(b => b.Digest).Sum(b => b.Size);

    private static IEnumerable<TestBlob> All(TestImage image) => image.Blobs.Append(image.Manifest);

    private async Task RunGcAsync(bool deleteUntagged = false)
    {
        await using var scope = _server.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<GcService>().RunAsync(
            new GcParameters { DeleteUntagged = deleteUntagged, Workers = 2 }, _ => { }, null, CancellationToken.None);
    }

    [Fact]
    public async Task Usage_counts_each_distinct_blob_once_per_project_and_deletes_free_it_at_once()
    {
        var qa = await CreateProjectAsync("qa");
        var qb = await CreateProjectAsync("qb");
        Assert.Equal((-1, 0), ((await QuotaAsync(qa)).Hard, await UsedAsync(qa)));

        var a = TestImage.Create().WithLayer(1000).WithLayer(2000).Build();
        await Client.PushImageAsync("qa/one", a, "v1");
        Assert.Equal(SizeOf(All(a)), await UsedAsync(qa));

        // The same image again, in another repository of the project and under a second tag: nothing new to count.
        await Client.PushImageAsync("qa/two", a, "v1");
        using (var tagged = await Client.PushManifestAsync("qa/one", "v2", a.Manifest))
        {
            Assert.Equal(HttpStatusCode.Created, tagged.StatusCode);
        }

        Assert.Equal(SizeOf(All(a)), await UsedAsync(qa));

        // A second image sharing a layer counts only what is new; the first image in another project counts there in full.
        var b = TestImage.Create().WithLayer(a.Layers[0]).WithLayer(3000).Build();
        await Client.PushImageAsync("qa/two", b, "b");
        Assert.Equal(SizeOf(All(a), All(b)), await UsedAsync(qa));
        await Client.PushImageAsync("qb/x", a, "v1");
        Assert.Equal(SizeOf(All(a)), await UsedAsync(qb));
        Assert.Equal(SizeOf(All(a), All(b)), await UsedAsync(qa));

        // Deleting one of two copies frees nothing; deleting the last frees what no other artifact of the project names.
        (await Client.DeleteAsync($"/v2/qa/one/manifests/{a.Manifest.Digest}")).Dispose();
        Assert.Equal(SizeOf(All(a), All(b)), await UsedAsync(qa));
        using (var deleted = await Client.DeleteAsync($"/api/v2.0/projects/qa/repositories/two/artifacts/{a.Manifest.Digest}"))
        {
            Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        }

        Assert.Equal(SizeOf(All(b)), await UsedAsync(qa));
        Assert.Equal(SizeOf(All(a)), await UsedAsync(qb));

        // Deleting the repository empties the project's usage without waiting for GC, as Harbor's tests expect.
        using (var repository = await Client.DeleteAsync("/api/v2.0/projects/qa/repositories/two"))
        {
            Assert.Equal(HttpStatusCode.OK, repository.StatusCode);
        }

        Assert.Equal(0, await UsedAsync(qa));

        // Pushing the deleted image again counts it again, although its layers are still stored and linked.
        await Client.PushImageAsync("qa/one", a, "again");
        Assert.Equal(SizeOf(All(a)), await UsedAsync(qa));
        await AssertConsistentAsync();
    }

    [Fact]
    public async Task Gc_frees_the_quota_of_what_it_removes()
    {
        var project = await CreateProjectAsync("qgc");
        var stray = TestBlob.Random(4000);
        (await Client.PushBlobAsync("qgc/stray", stray)).Dispose();
        var untagged = TestImage.Create().WithLayer(1500).Build();
        foreach (var blob in untagged.Blobs)
        {
            (await Client.PushBlobAsync("qgc/app", blob)).Dispose();
        }

        (await Client.PushManifestAsync("qgc/app", untagged.Manifest.Digest, untagged.Manifest)).Dispose();
        var kept = TestImage.Create().WithLayer(2500).Build();
        await Client.PushImageAsync("qgc/app", kept, "v1");
        Assert.Equal(4000 + SizeOf(All(untagged), All(kept)), await UsedAsync(project));

        // A plain run takes the upload no manifest names; one that deletes untagged artifacts takes the untagged image too.
        await RunGcAsync();
        Assert.Equal(SizeOf(All(untagged), All(kept)), await UsedAsync(project));
        await RunGcAsync(deleteUntagged: true);
        Assert.Equal(SizeOf(All(kept)), await UsedAsync(project));
        Assert.Equal(kept.Layers[0].Content, await Client.GetByteArrayAsync($"/v2/qgc/app/blobs/{kept.Layers[0].Digest}"));
        await AssertConsistentAsync();
    }

    [Fact]
    public async Task A_push_over_the_limit_is_refused_with_Harbors_message_and_changes_nothing()
    {
        var project = await CreateProjectAsync("qlimit", storageLimit: 5000);
        var first = TestBlob.Random(3000);
        (await Client.PushBlobAsync("qlimit/app", first)).Dispose();

        var second = TestBlob.Random(3000);
        using (var refused = await Client.PushBlobAsync("qlimit/app", second))
        {
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
            using var body = JsonDocument.Parse(await refused.Content.ReadAsStringAsync());
            var error = body.RootElement.GetProperty("errors")[0];
            Assert.Equal("DENIED", error.GetProperty("code").GetString());
            Assert.Equal("Quota exceeded when processing the request of adding 2.9 KiB of storage resource, which when updated to current "
                + "usage of 2.9 KiB will exceed the configured upper limit of 4.9 KiB.", error.GetProperty("message").GetString());
        }

        Assert.Equal(3000, await UsedAsync(project));
        using (var head = await Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/v2/qlimit/app/blobs/{second.Digest}")))
        {
            Assert.Equal(HttpStatusCode.NotFound, head.StatusCode);
        }

        Assert.Equal(first.Content, await Client.GetByteArrayAsync($"/v2/qlimit/app/blobs/{first.Digest}"));

        // Layers that fit, then a manifest one byte too big for what is left: it is refused and no artifact appears.
        var image = TestImage.Create().WithLayer(first).Build();
        (await Client.PushBlobAsync("qlimit/app", image.Config)).Dispose();
        var (quotaId, _, _) = await QuotaAsync(project);
        using (var lowered = await _server.SendAsync(HttpMethod.Put, $"/api/v2.0/quotas/{quotaId}", TestCredentials.AdminAuthorization,
            $$$"""{"hard":{"storage":{{{3000 + image.Config.Size + image.Manifest.Size - 1}}}}}"""))
        {
            Assert.Equal(HttpStatusCode.OK, lowered.StatusCode);
        }

        using (var manifest = await Client.PushManifestAsync("qlimit/app", "v1", image.Manifest))
        {
            Assert.Equal(HttpStatusCode.Forbidden, manifest.StatusCode);
            Assert.Equal("DENIED", await manifest.ErrorCodeAsync());
        }

        using (var missing = await Client.GetAsync("/v2/qlimit/app/manifests/v1"))
        {
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        }

        Assert.Equal(3000 + image.Config.Size, await UsedAsync(project));

        // One more byte lets the same push through.
        using (var raised = await _server.SendAsync(HttpMethod.Put, $"/api/v2.0/quotas/{quotaId}", TestCredentials.AdminAuthorization,
            $$$"""{"hard":{"storage":{{{3000 + image.Config.Size + image.Manifest.Size}}}}}"""))
        {
            Assert.Equal(HttpStatusCode.OK, raised.StatusCode);
        }

        using (var accepted = await Client.PushManifestAsync("qlimit/app", "v1", image.Manifest))
        {
            Assert.Equal(HttpStatusCode.Created, accepted.StatusCode);
        }

        Assert.Equal(SizeOf(All(image)), await UsedAsync(project));
        await AssertConsistentAsync();
    }

    [Fact]
    public async Task Ten_pushes_racing_for_the_last_free_bytes_never_pass_the_limit()
    {
        var project = await CreateProjectAsync("qrace", storageLimit: 5500);
        var blobs = Enumerable.Range(0, 10).Select(_ => TestBlob.Random(1000)).ToList();
        var statuses = await Task.WhenAll(blobs.Select(async (blob, i) =>
        {
            using var response = await Client.PushBlobAsync($"qrace/r{i}", blob);
            return response.StatusCode;
        }));

        Assert.Equal(5, statuses.Count(s => s == HttpStatusCode.Created));
        Assert.Equal(5, statuses.Count(s => s == HttpStatusCode.Forbidden));
        Assert.Equal(5000, await UsedAsync(project));

        // Whole images racing: whatever gets through, the total stays within the limit and matches what is stored.
        var images = Enumerable.Range(0, 10).Select(_ => TestImage.Create().WithLayer(100).Build()).ToList();
        await Task.WhenAll(images.Select(async (image, i) =>
        {
            try
            {
                await Client.PushImageAsync($"qrace/img{i}", image, "v1");
            }
            catch (HttpRequestException e) when (e.Message.Contains("403", StringComparison.Ordinal))
            {
            }
        }));
        Assert.InRange(await UsedAsync(project), 5000, 5500);
        await AssertConsistentAsync();
    }

    [Fact]
    public async Task A_project_without_a_quota_row_gets_one_from_its_first_pushes_racing_and_is_charged_for_all()
    {
        // A project from before quotas, or made outside the API, has no quota row until something is charged to it.
        var project = await CreateProjectAsync("qnorow", storageLimit: 1_000_000);
        await using (var scope = _server.Services.CreateAsyncScope())
        {
            Assert.Equal(1, await scope.ServiceProvider.GetRequiredService<BerthDbContext>().Quotas
                .Where(q => q.ProjectId == project).ExecuteDeleteAsync(TestContext.Current.CancellationToken));
        }

        var blobs = Enumerable.Range(0, 10).Select(_ => TestBlob.Random(1000)).ToList();
        var statuses = await Task.WhenAll(blobs.Select(async (blob, i) =>
        {
            using var response = await Client.PushBlobAsync($"qnorow/r{i}", blob);
            return response.StatusCode;
        }));

        Assert.All(statuses, s => Assert.Equal(HttpStatusCode.Created, s));
        var quota = await QuotaAsync(project);
        Assert.Equal(-1, quota.Hard);
        Assert.Equal(10_000, quota.Used);
        await AssertConsistentAsync();
    }

    [Fact]
    public async Task Storage_limits_follow_Harbors_rules()
    {
        // Only an administrator chooses the limit; everyone else gets storage_per_project.
        await TestCredentials.AddUserAsync(_server.DataDirectory, "quser", "quser-password");
        using (var setDefault = await _server.SendAsync(HttpMethod.Put, "/api/v2.0/configurations", TestCredentials.AdminAuthorization,
            """{"storage_per_project":1073741824}"""))
        {
            Assert.Equal(HttpStatusCode.OK, setDefault.StatusCode);
        }

        var byUser = await CreateProjectAsync("quser-proj", storageLimit: 5, authorization: TestCredentials.Basic("quser", "quser-password"));
        Assert.Equal(1073741824, (await QuotaAsync(byUser)).Hard);
        var byAdmin = await CreateProjectAsync("qadmin-proj", storageLimit: 5);
        Assert.Equal(5, (await QuotaAsync(byAdmin)).Hard);
        var unset = await CreateProjectAsync("qunset-proj");
        Assert.Equal(1073741824, (await QuotaAsync(unset)).Hard);

        // With quota_per_project_enable off, usage is still counted but limits are not enforced.
        using (var off = await _server.SendAsync(HttpMethod.Put, "/api/v2.0/configurations", TestCredentials.AdminAuthorization,
            """{"quota_per_project_enable":false}"""))
        {
            Assert.Equal(HttpStatusCode.OK, off.StatusCode);
        }

        var blob = TestBlob.Random(100);
        using (var pushed = await Client.PushBlobAsync("qadmin-proj/app", blob))
        {
            Assert.Equal(HttpStatusCode.Created, pushed.StatusCode);
        }

        Assert.Equal(100, await UsedAsync(byAdmin));
        using (var on = await _server.SendAsync(HttpMethod.Put, "/api/v2.0/configurations", TestCredentials.AdminAuthorization,
            """{"quota_per_project_enable":true}"""))
        {
            Assert.Equal(HttpStatusCode.OK, on.StatusCode);
        }

        using (var refused = await Client.PushBlobAsync("qadmin-proj/app", TestBlob.Random(10)))
        {
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        }

        using var summary = JsonDocument.Parse(await Client.GetStringAsync("/api/v2.0/projects/qadmin-proj/summary"));
        var quota = summary.RootElement.GetProperty("quota");
        Assert.Equal(5, quota.GetProperty("hard").GetProperty("storage").GetInt64());
        Assert.Equal(100, quota.GetProperty("used").GetProperty("storage").GetInt64());
    }

    [Fact]
    public async Task The_quota_list_sorts_and_filters_and_bad_requests_are_400()
    {
        var small = await CreateProjectAsync("qsmall");
        var big = await CreateProjectAsync("qbig", storageLimit: 1 << 20);
        (await Client.PushBlobAsync("qsmall/app", TestBlob.Random(10))).Dispose();
        (await Client.PushBlobAsync("qbig/app", TestBlob.Random(20))).Dispose();

        async Task<List<long>> ProjectsSortedAsync(string sort)
        {
            using var response = await Client.GetAsync($"/api/v2.0/quotas?sort={sort}&page_size=100");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(response.Headers.GetValues("X-Total-Count").Single(),
                JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetArrayLength().ToString(System.Globalization.CultureInfo.InvariantCulture));
            using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            return json.RootElement.EnumerateArray().Select(q => q.GetProperty("ref").GetProperty("id").GetInt64())
                .Where(id => id == small || id == big).ToList();
        }

        Assert.Equal([small, big], await ProjectsSortedAsync("used.storage"));
        Assert.Equal([big, small], await ProjectsSortedAsync("-used.storage"));
        Assert.Equal([small, big], await ProjectsSortedAsync("hard.storage"));
        Assert.Equal([big, small], await ProjectsSortedAsync("-hard.storage"));

        using (var other = JsonDocument.Parse(await Client.GetStringAsync("/api/v2.0/quotas?reference=user")))
        {
            Assert.Equal(0, other.RootElement.GetArrayLength());
        }

        var (id, _, _) = await QuotaAsync(big);
        using (var one = JsonDocument.Parse(await Client.GetStringAsync($"/api/v2.0/quotas/{id}")))
        {
            Assert.Equal("qbig", one.RootElement.GetProperty("ref").GetProperty("name").GetString());
            Assert.Equal("admin", one.RootElement.GetProperty("ref").GetProperty("owner_name").GetString());
        }

        foreach (var (method, path, body) in new (HttpMethod, string, string?)[]
        {
            (HttpMethod.Get, "/api/v2.0/quotas?sort=size", null),
            (HttpMethod.Put, $"/api/v2.0/quotas/{id}", """{"hard":{"storage":-2}}"""),
            (HttpMethod.Put, $"/api/v2.0/quotas/{id}", """{"hard":{"storage":1125899906842625}}"""),
            (HttpMethod.Put, $"/api/v2.0/quotas/{id}", """{"hard":{"count":10}}"""),
            (HttpMethod.Put, $"/api/v2.0/quotas/{id}", """{"hard":{}}"""),
            (HttpMethod.Put, $"/api/v2.0/quotas/{id}", """{"hard":{"storage":"big"}}"""),
            (HttpMethod.Put, $"/api/v2.0/quotas/{id}", """{}"""),
            (HttpMethod.Put, $"/api/v2.0/quotas/{id}", """not json"""),
            (HttpMethod.Post, "/api/v2.0/projects", """{"project_name":"qbad","storage_limit":-5}"""),
            (HttpMethod.Put, "/api/v2.0/configurations", """{"storage_per_project":0}"""),
            (HttpMethod.Put, "/api/v2.0/configurations", """{"quota_per_project_enable":"yes"}"""),
        })
        {
            using var response = await _server.SendAsync(method, path, TestCredentials.AdminAuthorization, body);
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{method} {path} {body}: {(int)response.StatusCode}");
            using var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            Assert.Equal("BAD_REQUEST", error.RootElement.GetProperty("errors")[0].GetProperty("code").GetString());
        }

        using (var unknown = await Client.GetAsync("/api/v2.0/quotas/999999"))
        {
            Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        }

        Assert.Equal(1 << 20, (await QuotaAsync(big)).Hard);
    }

    /// <summary>Every quota's usage is exactly the sum of the blobs its project holds, and within its limit.</summary>
    private async Task AssertConsistentAsync()
    {
        await using var scope = _server.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<BerthDbContext>();
        var quotas = await db.Quotas.AsNoTracking().ToListAsync();
        foreach (var quota in quotas)
        {
            var held = await db.ProjectBlobs.Where(pb => pb.ProjectId == quota.ProjectId).SumAsync(pb => pb.Blob!.Size);
            Assert.Equal(held, quota.Used);
            Assert.True(quota.Hard < 0 || quota.Used <= quota.Hard, $"project {quota.ProjectId} uses {quota.Used} of {quota.Hard}");
        }
    }
}
