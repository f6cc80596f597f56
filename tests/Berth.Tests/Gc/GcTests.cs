using System.Net;
using Berth.Data;
using Berth.Data.Entities;
using Berth.Gc;
using Berth.Jobs;
using Berth.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Berth.Tests.Gc;

/// <summary>GC on the real server, store and database, with the grace window off unless a test says otherwise.</summary>
public sealed class GcTests : IAsyncLifetime
{
    private BerthServer _server = null!;

    private HttpClient Client => _server.Client;

    public async ValueTask InitializeAsync() => _server = await BerthServer.StartAsync(new Dictionary<string, string?>
    {
        ["Gc:GraceWindow"] = "00:00:00",
        ["Jobs:PollInterval"] = "00:00:00.100",
    });

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();

    private async Task<GcResult> RunGcAsync(bool dryRun = false, bool deleteUntagged = false, List<string>? log = null)
    {
        await using var scope = _server.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<GcService>().RunAsync(
            new GcParameters { DryRun = dryRun, DeleteUntagged = deleteUntagged, Workers = 4 }, line => log?.Add(line), null, CancellationToken.None);
    }

    private string BlobFile(TestBlob blob)
    {
        var hex = blob.Digest["sha256:".Length..];
        return Path.Join(_server.DataDirectory, "storage", "blobs", "sha256", hex[..2], hex, "data");
    }

    private async Task<HttpStatusCode> HeadAsync(string name, TestBlob blob)
    {
        using var response = await Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/v2/{name}/blobs/{blob.Digest}"));
        return response.StatusCode;
    }

    [Fact]
    public async Task Removes_what_nothing_references_and_keeps_the_rest()
    {
        var kept = TestImage.Create().WithLayer(1000).WithLayer(2000).Build();
        await Client.PushImageAsync("gc/kept", kept, "v1");
        var deleted = TestImage.Create().WithLayer(kept.Layers[0]).WithLayer(3000).Build();
        await Client.PushImageAsync("gc/deleted", deleted, "v1");
        var stray = TestBlob.Random(4000);
        (await Client.PushBlobAsync("gc/stray", stray)).Dispose();
        (await Client.DeleteAsync($"/v2/gc/deleted/manifests/{deleted.Manifest.Digest}")).Dispose();

        var dry = await RunGcAsync(dryRun: true);
        Assert.True(File.Exists(BlobFile(stray)));
        Assert.Equal(HttpStatusCode.OK, await HeadAsync("gc/stray", stray));

        var log = new List<string>();
        var result = await RunGcAsync(log: log);
        Assert.Equal(dry.PurgedBlobs, result.PurgedBlobs);
        Assert.Equal(dry.FreedSpace, result.FreedSpace);
        // The deleted image's own layer, config and manifest, and the stray upload; not the shared layer.
        Assert.Equal(4, result.PurgedBlobs);
        Assert.Equal(3000 + deleted.Config.Size + deleted.Manifest.Size + 4000, result.FreedSpace);
        Assert.Contains(log, l => l.Contains("deleted 4 blobs", StringComparison.Ordinal));

        foreach (var gone in new[] { deleted.Layers[1], deleted.Config, deleted.Manifest, stray })
        {
            Assert.False(File.Exists(BlobFile(gone)));
        }

        foreach (var blob in kept.Blobs)
        {
            Assert.Equal(blob.Content, await Client.GetByteArrayAsync($"/v2/gc/kept/blobs/{blob.Digest}"));
        }

        using var manifest = await Client.GetAsync("/v2/gc/kept/manifests/v1");
        Assert.Equal(kept.Manifest.Content, await manifest.Content.ReadAsByteArrayAsync());
        Assert.Equal(0, (await RunGcAsync()).PurgedBlobs);
    }

    [Fact]
    public async Task Delete_untagged_spares_index_children_and_accessories()
    {
        var child = TestImage.Create().WithLayer(100).Build();
        await Client.PushImageAsync("gc/untagged", child, "child");
        var index = TestImage.Index(TestImage.OciIndex, child.Manifest);
        (await Client.PushManifestAsync("gc/untagged", "multi", index)).Dispose();
        (await Client.DeleteAsync("/v2/gc/untagged/manifests/child")).Dispose();   // the child is now untagged

        var signature = TestImage.Create().WithLayer(10).Referring(index, "application/vnd.dev.cosign.artifact.sig.v1+json").Build();
        foreach (var blob in signature.Blobs)
        {
            (await Client.PushBlobAsync("gc/untagged", blob)).Dispose();
        }

        (await Client.PushManifestAsync("gc/untagged", signature.Manifest.Digest, signature.Manifest)).Dispose();
        var orphan = TestImage.Create().WithLayer(50).Build();
        await Client.PushImageAsync("gc/untagged", orphan, "temp");
        (await Client.DeleteAsync("/v2/gc/untagged/manifests/temp")).Dispose();

        var result = await RunGcAsync(deleteUntagged: true);
        Assert.Equal(1, result.PurgedManifests);
        Assert.Equal(HttpStatusCode.NotFound, (await Client.GetAsync($"/v2/gc/untagged/manifests/{orphan.Manifest.Digest}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Client.GetAsync($"/v2/gc/untagged/manifests/{child.Manifest.Digest}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Client.GetAsync($"/v2/gc/untagged/manifests/{signature.Manifest.Digest}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Client.GetAsync("/v2/gc/untagged/manifests/multi")).StatusCode);
        Assert.False(File.Exists(BlobFile(orphan.Layers[0])));
    }

    [Fact]
    public async Task Bytes_without_a_row_are_swept_and_rows_never_outlive_their_bytes()
    {
        var orphan = TestBlob.Random(100);
        var path = BlobFile(orphan);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await File.WriteAllBytesAsync(path, orphan.Content, TestContext.Current.CancellationToken);
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddMinutes(-50));
        Assert.Equal(0, (await RunGcAsync()).PurgedOrphans); // younger than Gc:OrphanAge: perhaps a push still inserting its row
        Assert.True(File.Exists(path));

        File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddMinutes(-70));
        var result = await RunGcAsync();
        Assert.Equal(1, result.PurgedOrphans);
        Assert.False(File.Exists(path));
    }

    [Fact]
    public async Task A_push_after_gc_took_a_blob_uploads_it_again_and_works()
    {
        var image = TestImage.Create().WithLayer(500).Build();
        (await Client.PushBlobAsync("gc/again", image.Layers[0])).Dispose();
        Assert.Equal(1, (await RunGcAsync()).PurgedBlobs);
        Assert.Equal(HttpStatusCode.NotFound, await HeadAsync("gc/again", image.Layers[0]));

        await Client.PushImageAsync("gc/again", image, "v1");
        Assert.Equal(image.Layers[0].Content, await Client.GetByteArrayAsync($"/v2/gc/again/blobs/{image.Layers[0].Digest}"));
    }

    [Fact]
    public async Task Runs_as_a_job_with_an_execution_that_records_the_results()
    {
        (await Client.PushBlobAsync("gc/job", TestBlob.Random(700))).Dispose();
        long executionId;
        await using (var scope = _server.Services.CreateAsyncScope())
        {
            var executions = scope.ServiceProvider.GetRequiredService<ExecutionStore>();
            executionId = (await executions.StartAsync(GcJobHandler.VendorType, null, ExecutionStore.Manual, GcJobHandler.JobKind,
                """{"delete_untagged":false,"dry_run":false,"workers":2}""", CancellationToken.None)).Id;
        }

        Execution execution;
        var deadline = DateTime.UtcNow.AddSeconds(20);
        do
        {
            await Task.Delay(100, TestContext.Current.CancellationToken);
            await using var scope = _server.Services.CreateAsyncScope();
            execution = await scope.ServiceProvider.GetRequiredService<BerthDbContext>().Executions.AsNoTracking()
                .Include(e => e.Tasks).FirstAsync(e => e.Id == executionId, TestContext.Current.CancellationToken);
        }
        while (execution.Status is ExecutionStatus.Pending or ExecutionStatus.Running && DateTime.UtcNow < deadline);

        Assert.Equal(ExecutionStatus.Success, execution.Status);
        Assert.Contains("\"purged_blobs\":1", execution.ExtraAttrs, StringComparison.Ordinal);
        Assert.Contains("\"freed_space\":700", execution.ExtraAttrs, StringComparison.Ordinal);
        var task = Assert.Single(execution.Tasks);
        Assert.Equal(1, task.RunCount);
        Assert.Contains("deleted 1 blobs, 700 bytes", task.Log, StringComparison.Ordinal);
    }
}

/// <summary>With the default grace window, nothing recent is ever collected.</summary>
public sealed class GcGraceWindowTests
{
    [Fact]
    public async Task Nothing_younger_than_the_grace_window_is_touched()
    {
        await using var server = await BerthServer.StartAsync(new Dictionary<string, string?> { ["Gc:GraceWindow"] = "01:00:00" });
        var blob = TestBlob.Random(100);
        (await server.Client.PushBlobAsync("gc/young", blob)).Dispose();
        await using var scope = server.Services.CreateAsyncScope();
        var result = await scope.ServiceProvider.GetRequiredService<GcService>()
            .RunAsync(new GcParameters(), _ => { }, null, CancellationToken.None);
        Assert.Equal(0, result.PurgedBlobs);
        Assert.Equal(0, result.UnlinkedBlobs);
        Assert.Equal(blob.Content, await server.Client.GetByteArrayAsync($"/v2/gc/young/blobs/{blob.Digest}"));
    }
}
