using System.Net;
using System.Text.RegularExpressions;
using Berth.Testing;
using Microsoft.EntityFrameworkCore;

namespace Berth.Tests.Distribution;

/// <summary>What completing the upload of a blob the registry does not hold yet asks of the database, once per layer of every push.</summary>
public sealed class UploadCostTests : IAsyncLifetime
{
    private CountedBerthServer _counted = null!;

    private BerthServer Server => _counted.Server;

    private SqlCommandCounter Commands => _counted.Commands;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() =>
        _counted = await CountedBerthServer.StartAsync(new Dictionary<string, string?> { ["Jobs:Enabled"] = "false" });

    public ValueTask DisposeAsync() => _counted.DisposeAsync();

    private async Task<long> UsedAsync()
    {
        await using var db = DataDirectory.Open(Server.DataDirectory);
        return await db.Quotas.Where(q => db.Projects.Any(p => p.Id == q.ProjectId && p.Name == "test")).Select(q => q.Used).SingleAsync(Token);
    }

    [Fact]
    public async Task A_new_blobs_row_is_neither_touched_again_nor_looked_up_in_the_projects_holdings_and_its_charge_is_one_statement()
    {
        // The repository and the project's quota row exist already, as on any registry that has seen a push.
        (await Server.Client.PushBlobAsync("test/cost", TestBlob.Random(100))).Dispose();
        var used = await UsedAsync();

        var blob = TestBlob.Random(10_000);
        using var start = await Server.Client.PostAsync("/v2/test/cost/blobs/uploads/", null, Token);
        var location = start.Headers.Location!.OriginalString;
        using var chunk = await Server.Client.PatchAsync(location, new ByteArrayContent(blob.Content), Token);
        location = chunk.Headers.Location!.OriginalString;
        Commands.Reset();
        using var completed = await Server.Client.PutAsync($"{location}{(location.Contains('?') ? '&' : '?')}digest={blob.Digest}", null, Token);
        Assert.Equal(HttpStatusCode.Created, completed.StatusCode);
        var commands = Commands.Commands;

        // The row is inserted Ready and touched now; no UPDATE of blobs follows. The project cannot hold a blob whose row
        // was just made, so its holdings are written (the insert) and not read.
        Assert.DoesNotContain(commands, c => Regex.IsMatch(c, "^\\s*UPDATE\\s+\"?blobs\"?\\s", RegexOptions.IgnoreCase));
        Assert.Single(commands, c => Regex.IsMatch(c, "\\bproject_blobs\\b"));
        Assert.Contains(commands, c => Regex.IsMatch(c, "^\\s*INSERT INTO\\s+\"?project_blobs\"?", RegexOptions.IgnoreCase));

        // The charge and the limit check are one UPDATE that answers the new usage: no lock taken first, no read after.
        Assert.Single(commands, c => Regex.IsMatch(c, "\\bquotas\\b"));

        // And it is charged, once.
        Assert.Equal(used + blob.Size, await UsedAsync());
        Assert.Equal(blob.Content, await Server.Client.GetByteArrayAsync($"/v2/test/cost/blobs/{blob.Digest}", Token));
    }

    [Fact]
    public async Task A_chunk_and_the_completion_each_read_the_session_once_after_taking_its_lock()
    {
        (await Server.Client.PushBlobAsync("test/cost", TestBlob.Random(100))).Dispose();
        var blob = TestBlob.Random(10_000);
        using var start = await Server.Client.PostAsync("/v2/test/cost/blobs/uploads/", null, Token);
        var location = start.Headers.Location!.OriginalString;

        Commands.Reset();
        using var chunk = await Server.Client.PatchAsync(location, new ByteArrayContent(blob.Content[..6_000]), Token);
        Assert.Equal(HttpStatusCode.Accepted, chunk.StatusCode);
        Assert.Single(Commands.Commands, ReadsTheSession);

        location = chunk.Headers.Location!.OriginalString;
        Commands.Reset();
        using var completed = await Server.Client.PutAsync($"{location}{(location.Contains('?') ? '&' : '?')}digest={blob.Digest}",
            new ByteArrayContent(blob.Content[6_000..]), Token);
        Assert.Equal(HttpStatusCode.Created, completed.StatusCode);
        Assert.Single(Commands.Commands, ReadsTheSession);
        Assert.Equal(blob.Content, await Server.Client.GetByteArrayAsync($"/v2/test/cost/blobs/{blob.Digest}", Token));

        static bool ReadsTheSession(string command) =>
            Regex.IsMatch(command, "^\\s*SELECT\\b[\\s\\S]*\\bFROM\\s+\"?upload_sessions\"?", RegexOptions.IgnoreCase);
    }
}
