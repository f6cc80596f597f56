using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Berth.Data;
using Berth.Testing;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Berth.Tests.Distribution;

/// <summary>Two servers on one database and one store, as replicas are: what they must agree on lives in the database.</summary>
public sealed class ReplicaTests : IAsyncLifetime
{
    private BerthServer _first = null!;
    private BerthServer _second = null!;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _first = await BerthServer.StartAsync();
        _second = await BerthServer.StartAsync(new Dictionary<string, string?>
        {
            ["Server:DataDirectory"] = _first.DataDirectory,
            ["Jobs:Enabled"] = "false",
        });
    }

    public async ValueTask DisposeAsync()
    {
        await _second.DisposeAsync();
        await _first.DisposeAsync();
    }

    [Fact]
    public async Task A_chunk_sent_to_one_replica_waits_while_another_replica_still_takes_a_chunk_of_the_same_upload()
    {
        SkipUnlessLeased();
        var blob = TestBlob.Random(64 * 1024);
        using var open = await _first.Client.PostAsync("/v2/test/replica-lease/blobs/uploads/", null, Token);
        var location = open.Headers.Location!.OriginalString;

        // The first replica takes a chunk whose body arrives slowly: half now, half when the test says so.
        var body = new GatedContent(blob.Content, blob.Content.Length / 2);
        using var slowPatch = new HttpRequestMessage(HttpMethod.Patch, location) { Content = body };
        var slow = _first.Client.SendAsync(slowPatch, Token);
        await body.HalfSent.Task.WaitAsync(TimeSpan.FromSeconds(10), Token);
        await Poll.UntilAsync(async () => await LeaseOfAsync(location) is not null, "the first replica's lease on the upload");

        // The same chunk, retried through the second replica: it must wait for the first, then see the true size.
        using var retry = new HttpRequestMessage(HttpMethod.Patch, location) { Content = new ByteArrayContent(blob.Content) };
        retry.Content.Headers.TryAddWithoutValidation("Content-Range", $"0-{blob.Content.Length - 1}");
        var retried = _second.Client.SendAsync(retry, Token);
        await Task.Delay(700, Token);
        Assert.False(retried.IsCompleted, "the second replica took a chunk while the first was still writing one");

        body.Release.SetResult();
        using var slowResponse = await slow;
        Assert.Equal(HttpStatusCode.Accepted, slowResponse.StatusCode);
        using var retriedResponse = await retried;
        Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, retriedResponse.StatusCode);
        Assert.Equal($"0-{blob.Content.Length - 1}", retriedResponse.Headers.GetValues("Range").Single());
        Assert.Null(await LeaseOfAsync(location));

        using var put = await _second.Client.PutAsync($"{location}?digest={blob.Digest}", null, Token);
        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        Assert.Equal(blob.Content, await _first.Client.GetByteArrayAsync($"/v2/test/replica-lease/blobs/{blob.Digest}", Token));
    }

    [Fact]
    public async Task A_lease_left_by_a_replica_that_died_holding_it_lapses_and_the_upload_goes_on()
    {
        SkipUnlessLeased();
        var blob = TestBlob.Random(10_000);
        using var open = await _first.Client.PostAsync("/v2/test/replica-dead/blobs/uploads/", null, Token);
        var location = open.Headers.Location!.OriginalString;
        var id = SessionOf(location);
        var lapses = DateTime.UtcNow.AddSeconds(2);
        await WithDbAsync(db => db.UploadSessions.Where(s => s.Id == id).ExecuteUpdateAsync(s => s
            .SetProperty(x => x.LeaseToken, Guid.NewGuid()).SetProperty(x => x.LeaseExpiresAt, lapses), Token));

        var clock = Stopwatch.StartNew();
        using var patch = new HttpRequestMessage(HttpMethod.Patch, location) { Content = new ByteArrayContent(blob.Content) };
        using var patched = await _second.Client.SendAsync(patch, Token);
        Assert.Equal(HttpStatusCode.Accepted, patched.StatusCode);
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(1), $"went past a live lease after {clock.Elapsed}");
        using var put = await _first.Client.PutAsync($"{location}?digest={blob.Digest}", null, Token);
        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(true, true)]
    public async Task A_completion_retried_after_its_replica_died_mid_way_finishes_on_another(bool rowWritten, bool linked)
    {
        var blob = TestBlob.Random(20_000);
        var name = $"test/replica-crash-{rowWritten}-{linked}".ToLowerInvariant();
        // What the first replica's completion did before it died: verified and recorded the digest, moved the bytes,
        // perhaps wrote the blob's row, perhaps linked it.
        var (location, id, digest) = await CompletionDiedAfterTheMoveAsync(name, blob);
        if (rowWritten)
        {
            await using var scope = _first.Services.CreateAsyncScope();
            var blobs = scope.ServiceProvider.GetRequiredService<Berth.Distribution.Blobs.BlobService>();
            var session = await scope.ServiceProvider.GetRequiredService<BerthDbContext>().UploadSessions.SingleAsync(s => s.Id == id, Token);
            if (linked)
            {
                await blobs.CommitMovedAsync(digest, session.RepositoryId, Token);
            }
            else
            {
                var db = scope.ServiceProvider.GetRequiredService<BerthDbContext>();
                db.Blobs.Add(new Berth.Data.Entities.Blob
                {
                    Digest = blob.Digest,
                    Size = blob.Size,
                    State = Berth.Data.Entities.BlobState.Ready,
                    CreatedAt = DateTime.UtcNow,
                    UpdatedAt = DateTime.UtcNow,
                });
                await db.SaveChangesAsync(Token);
            }
        }

        using var put = await _second.Client.PutAsync($"{location}?digest={blob.Digest}", null, Token);
        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        Assert.Equal(blob.Content, await _first.Client.GetByteArrayAsync($"/v2/{name}/blobs/{blob.Digest}", Token));
        Assert.False(await WithDbAsync(db => db.UploadSessions.AnyAsync(s => s.Id == id, Token)));
    }

    [Fact]
    public async Task A_completion_retried_after_gc_took_the_moved_bytes_asks_for_the_upload_again()
    {
        var blob = TestBlob.Random(12_000);
        const string name = "test/replica-moved-gone";
        // The first attempt verified and moved the bytes, then died; the bytes, announced by no row, went since.
        var (location, _, digest) = await CompletionDiedAfterTheMoveAsync(name, blob);
        var storage = _first.Services.GetRequiredService<Berth.Storage.IStorageDriver>();
        await storage.DeleteAsync(Berth.Storage.StoragePaths.BlobDirectory(digest), Token);

        using var put = await _second.Client.PutAsync($"{location}?digest={blob.Digest}", null, Token);
        Assert.Equal(HttpStatusCode.NotFound, put.StatusCode);
        Assert.Equal("BLOB_UPLOAD_UNKNOWN", await put.ErrorCodeAsync());
        Assert.False(await WithDbAsync(db => db.Blobs.AnyAsync(b => b.Digest == blob.Digest, Token)));

        // The client uploads again, and the blob is whole.
        RegistryClient.Expect(await _second.Client.PushBlobAsync(name, blob), HttpStatusCode.Created);
        Assert.Equal(blob.Content, await _first.Client.GetByteArrayAsync($"/v2/{name}/blobs/{blob.Digest}", Token));
    }

    [Fact]
    public async Task A_session_that_never_verified_a_digest_cannot_claim_a_blob_it_did_not_upload()
    {
        var secret = TestBlob.Random(5000);
        RegistryClient.Expect(await _first.Client.PushBlobAsync("test/replica-owner", secret), HttpStatusCode.Created);

        // An empty session, completed with the digest of a blob stored elsewhere: its bytes are checked, and do not match.
        using var open = await _first.Client.PostAsync("/v2/test/replica-claim/blobs/uploads/", null, Token);
        var location = open.Headers.Location!.OriginalString;
        using var put = await _second.Client.PutAsync($"{location}?digest={secret.Digest}", null, Token);
        Assert.Equal(HttpStatusCode.BadRequest, put.StatusCode);
        Assert.Equal("DIGEST_INVALID", await put.ErrorCodeAsync());
        using var head = await _first.Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/v2/test/replica-claim/blobs/{secret.Digest}"), Token);
        Assert.Equal(HttpStatusCode.NotFound, head.StatusCode);
    }

    [Fact]
    public async Task A_request_that_arrives_just_after_the_holder_died_outwaits_its_whole_lease()
    {
        SkipUnlessLeased();
        // What a replica killed the moment it took the lease leaves: a lease of full length that nobody renews. nginx
        // resends an idempotent PUT to the next replica at once, so the request arrives right then and must not give up first.
        var blob = TestBlob.Random(10_000);
        using var open = await _first.Client.PostAsync("/v2/test/replica-fresh/blobs/uploads/", null, Token);
        var location = open.Headers.Location!.OriginalString;
        var id = SessionOf(location);
        var lapses = DateTime.UtcNow + Berth.Distribution.Uploads.UploadLocks.Lease;
        await WithDbAsync(db => db.UploadSessions.Where(s => s.Id == id).ExecuteUpdateAsync(s => s
            .SetProperty(x => x.LeaseToken, Guid.NewGuid()).SetProperty(x => x.LeaseExpiresAt, lapses), Token));

        var clock = Stopwatch.StartNew();
        using var patch = new HttpRequestMessage(HttpMethod.Patch, location) { Content = new ByteArrayContent(blob.Content) };
        using var patched = await _second.Client.SendAsync(patch, Token);
        Assert.Equal(HttpStatusCode.Accepted, patched.StatusCode);
        Assert.True(DateTime.UtcNow >= lapses, "went past a live lease");
        // Clients time out too (the HA test's after 30 s): a dead holder must not stall the upload for as long as a request may wait.
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"the dead replica's lease stalled the upload for {clock.Elapsed}");
    }

    [Fact]
    public async Task Data_protected_on_one_replica_is_read_on_the_other()
    {
        var sealedText = _first.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector("replica-test").Protect("across replicas");
        var opened = _second.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector("replica-test").Unprotect(sealedText);
        Assert.Equal("across replicas", opened);
        Assert.True(await WithDbAsync(db => db.DataProtectionKeys.CountAsync(Token)) >= 1);
    }

    [Fact]
    public async Task A_webhook_auth_header_is_stored_encrypted_and_every_replica_reads_it()
    {
        const string secret = "Bearer replica-secret-4711";
        var policy = $$"""
            {"name":"encrypted","enabled":true,"event_types":["PUSH_ARTIFACT"],
             "targets":[{"type":"http","address":"http://203.0.113.7/hook","auth_header":"{{secret}}"}]}
            """;
        using var created = await _first.SendAsync(HttpMethod.Post, "/api/v2.0/projects/test/webhook/policies", TestCredentials.AdminAuthorization, policy);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);

        var stored = await WithDbAsync(db => db.Policies.Where(p => p.Kind == "webhook").Select(p => p.Data).SingleAsync(Token));
        Assert.DoesNotContain("replica-secret", stored, StringComparison.Ordinal);
        Assert.Contains("enc:v1:", stored, StringComparison.Ordinal);

        using var listed = await _second.SendAsync(HttpMethod.Get, "/api/v2.0/projects/test/webhook/policies", TestCredentials.AdminAuthorization);
        Assert.Equal(HttpStatusCode.OK, listed.StatusCode);
        using var document = JsonDocument.Parse(await listed.Content.ReadAsStringAsync(Token));
        Assert.Equal(secret, document.RootElement[0].GetProperty("targets")[0].GetProperty("auth_header").GetString());
    }

    /// <summary>SQLite is served by one process, so an upload's lock there is the process's own and no lease row is written.</summary>
    private static void SkipUnlessLeased()
    {
        if (!TestDatabase.UsePostgres)
        {
            Assert.Skip("upload leases are for replicas, which need PostgreSQL: the PostgreSQL pass of ./test.sh (BERTH_TEST_DATABASE=postgres)");
        }
    }

    /// <summary>An upload on the first replica whose completion verified and recorded the digest, moved the bytes to the blob's path and died.</summary>
    private async Task<(string Location, Guid Id, Berth.Oci.Digest Digest)> CompletionDiedAfterTheMoveAsync(string name, TestBlob blob)
    {
        using var open = await _first.Client.PostAsync($"/v2/{name}/blobs/uploads/", null, Token);
        var location = open.Headers.Location!.OriginalString;
        var id = SessionOf(location);
        using (var patch = await _first.Client.PatchAsync(location, new ByteArrayContent(blob.Content), Token))
        {
            Assert.Equal(HttpStatusCode.Accepted, patch.StatusCode);
        }

        await WithDbAsync(db => db.UploadSessions.Where(s => s.Id == id)
            .ExecuteUpdateAsync(s => s.SetProperty(x => x.CompletingDigest, blob.Digest), Token));
        var digest = Berth.Oci.Digest.Parse(blob.Digest);
        var storage = _first.Services.GetRequiredService<Berth.Storage.IStorageDriver>();
        await storage.MoveAsync(Berth.Storage.StoragePaths.Upload(id), Berth.Storage.StoragePaths.Blob(digest), Token);
        return (location, id, digest);
    }

    private static Guid SessionOf(string location) => Guid.Parse(location[(location.LastIndexOf('/') + 1)..]);

    private async Task<Guid?> LeaseOfAsync(string location)
    {
        var id = SessionOf(location);
        return await WithDbAsync(db => db.UploadSessions.Where(s => s.Id == id).Select(s => s.LeaseToken).SingleAsync(Token));
    }

    private async Task<T> WithDbAsync<T>(Func<BerthDbContext, Task<T>> query)
    {
        await using var scope = _first.Services.CreateAsyncScope();
        return await query(scope.ServiceProvider.GetRequiredService<BerthDbContext>());
    }

    /// <summary>A body that sends its first <c>split</c> bytes, then waits for <see cref="Release"/> to send the rest.</summary>
    private sealed class GatedContent(byte[] content, int split) : HttpContent
    {
        public TaskCompletionSource HalfSent { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            await stream.WriteAsync(content.AsMemory(0, split));
            await stream.FlushAsync();
            HalfSent.TrySetResult();
            await Release.Task;
            await stream.WriteAsync(content.AsMemory(split));
        }

        protected override bool TryComputeLength(out long length)
        {
            length = content.Length;
            return true;
        }
    }
}
