using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Berth.Testing;
using Microsoft.EntityFrameworkCore;
using static Berth.Tests.Immutability.ImmutabilityApi;

namespace Berth.Tests.Immutability;

/// <summary>
/// Every operation that can change or remove a tag, under each kind of rule, with Harbor's outcome: refused with 412 when an
/// enabled rule protects the tag, and then nothing changed; done otherwise.
/// </summary>
/// <remarks>
/// Each row gets its own project whose repository <c>app</c> holds artifact A tagged <c>v1</c> and artifact B, untagged.
/// Rows that need more say so. The rules: <c>v*</c> tags in every repository; every tag but <c>v*</c>; <c>v*</c> tags in
/// every repository but <c>app</c>; and the first one disabled.
/// </remarks>
public sealed class ImmutabilityEnforcementTests : IAsyncLifetime
{
    public enum RuleKind
    {
        Matching,
        TagExcluded,
        RepositoryExcluded,
        Disabled,
    }

    public enum Operation
    {
        /// <summary>Push B to v1.</summary>
        PushToExistingTag,

        /// <summary>Push A to v1 again.</summary>
        PushSameDigest,

        /// <summary>Push B to v2, which does not exist yet.</summary>
        PushNewMatchingTag,

        /// <summary>A is tagged latest too; push B to latest.</summary>
        PushToExistingNonMatchingTag,

        /// <summary>POST tag v1 on B (Harbor's API never moves a tag: 409 when nothing protects it).</summary>
        ApiTagMove,

        /// <summary>POST tag v2 on B.</summary>
        ApiTagCreateNew,

        ApiTagDelete,
        V2TagDelete,
        ApiArtifactDelete,
        V2ArtifactDelete,
        RepositoryDelete,

        /// <summary>C is tagged build; a retention policy that keeps nothing runs.</summary>
        Retention,
    }

    private BerthServer _server = null!;

    public async ValueTask InitializeAsync() => _server = await BerthServer.StartAsync(new Dictionary<string, string?>
    {
        ["Jobs:PollInterval"] = "00:00:00.100",
    });

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();

    private static JsonObject RuleOf(RuleKind kind) => kind switch
    {
        RuleKind.Matching => Rule("v*"),
        RuleKind.TagExcluded => Rule("v*", tagDecoration: "excludes"),
        RuleKind.RepositoryExcluded => Rule("v*", "app", repositoryDecoration: "repoExcludes"),
        _ => Rule("v*", disabled: true),
    };

    [Theory]
    [InlineData(Operation.PushToExistingTag, RuleKind.Matching, "412")]
    [InlineData(Operation.PushToExistingTag, RuleKind.TagExcluded, "201")]
    [InlineData(Operation.PushToExistingTag, RuleKind.RepositoryExcluded, "201")]
    [InlineData(Operation.PushToExistingTag, RuleKind.Disabled, "201")]
    [InlineData(Operation.PushSameDigest, RuleKind.Matching, "412")]
    [InlineData(Operation.PushSameDigest, RuleKind.TagExcluded, "201")]
    [InlineData(Operation.PushSameDigest, RuleKind.RepositoryExcluded, "201")]
    [InlineData(Operation.PushSameDigest, RuleKind.Disabled, "201")]
    [InlineData(Operation.PushNewMatchingTag, RuleKind.Matching, "201")]
    [InlineData(Operation.PushNewMatchingTag, RuleKind.TagExcluded, "201")]
    [InlineData(Operation.PushNewMatchingTag, RuleKind.RepositoryExcluded, "201")]
    [InlineData(Operation.PushNewMatchingTag, RuleKind.Disabled, "201")]
    [InlineData(Operation.PushToExistingNonMatchingTag, RuleKind.Matching, "201")]
    [InlineData(Operation.PushToExistingNonMatchingTag, RuleKind.TagExcluded, "412")]
    [InlineData(Operation.PushToExistingNonMatchingTag, RuleKind.RepositoryExcluded, "201")]
    [InlineData(Operation.PushToExistingNonMatchingTag, RuleKind.Disabled, "201")]
    [InlineData(Operation.ApiTagMove, RuleKind.Matching, "412")]
    [InlineData(Operation.ApiTagMove, RuleKind.TagExcluded, "409")]
    [InlineData(Operation.ApiTagMove, RuleKind.RepositoryExcluded, "409")]
    [InlineData(Operation.ApiTagMove, RuleKind.Disabled, "409")]
    [InlineData(Operation.ApiTagCreateNew, RuleKind.Matching, "201")]
    [InlineData(Operation.ApiTagCreateNew, RuleKind.TagExcluded, "201")]
    [InlineData(Operation.ApiTagCreateNew, RuleKind.RepositoryExcluded, "201")]
    [InlineData(Operation.ApiTagCreateNew, RuleKind.Disabled, "201")]
    [InlineData(Operation.ApiTagDelete, RuleKind.Matching, "412")]
    [InlineData(Operation.ApiTagDelete, RuleKind.TagExcluded, "200")]
    [InlineData(Operation.ApiTagDelete, RuleKind.RepositoryExcluded, "200")]
    [InlineData(Operation.ApiTagDelete, RuleKind.Disabled, "200")]
    [InlineData(Operation.V2TagDelete, RuleKind.Matching, "412")]
    [InlineData(Operation.V2TagDelete, RuleKind.TagExcluded, "202")]
    [InlineData(Operation.V2TagDelete, RuleKind.RepositoryExcluded, "202")]
    [InlineData(Operation.V2TagDelete, RuleKind.Disabled, "202")]
    [InlineData(Operation.ApiArtifactDelete, RuleKind.Matching, "412")]
    [InlineData(Operation.ApiArtifactDelete, RuleKind.TagExcluded, "200")]
    [InlineData(Operation.ApiArtifactDelete, RuleKind.RepositoryExcluded, "200")]
    [InlineData(Operation.ApiArtifactDelete, RuleKind.Disabled, "200")]
    [InlineData(Operation.V2ArtifactDelete, RuleKind.Matching, "412")]
    [InlineData(Operation.V2ArtifactDelete, RuleKind.TagExcluded, "202")]
    [InlineData(Operation.V2ArtifactDelete, RuleKind.RepositoryExcluded, "202")]
    [InlineData(Operation.V2ArtifactDelete, RuleKind.Disabled, "202")]
    [InlineData(Operation.RepositoryDelete, RuleKind.Matching, "412")]
    [InlineData(Operation.RepositoryDelete, RuleKind.TagExcluded, "200")]
    [InlineData(Operation.RepositoryDelete, RuleKind.RepositoryExcluded, "200")]
    [InlineData(Operation.RepositoryDelete, RuleKind.Disabled, "200")]
    [InlineData(Operation.Retention, RuleKind.Matching, "kept v1")]
    [InlineData(Operation.Retention, RuleKind.TagExcluded, "kept build")]
    [InlineData(Operation.Retention, RuleKind.RepositoryExcluded, "kept nothing")]
    [InlineData(Operation.Retention, RuleKind.Disabled, "kept nothing")]
    public async Task Each_operation_under_each_rule(Operation operation, RuleKind rule, string expected)
    {
        var project = await NewProjectAsync(_server);
        var repository = project + "/app";
        var a = TestImage.Create().WithLayer(64).Build();
        var b = TestImage.Create().WithLayer(65).Build();
        await _server.Client.PushImageAsync(repository, a, "v1");
        await PushByDigestAsync(_server, repository, b);
        if (operation == Operation.PushToExistingNonMatchingTag)
        {
            await PushTagAsync(repository, "latest", a.Manifest, HttpStatusCode.Created);
        }

        if (operation == Operation.Retention)
        {
            await _server.Client.PushImageAsync(repository, TestImage.Create().WithLayer(66).Build(), "build");
        }

        await CreateRuleAsync(_server, project, RuleOf(rule));
        var before = await SnapshotAsync(repository);

        var outcome = await RunAsync(operation, project, repository, a, b);

        Assert.Equal(expected, outcome);
        var after = await SnapshotAsync(repository);
        if (outcome is "412" or "409")
        {
            // Refused: nothing lost, nothing moved, every manifest still served.
            Assert.Equal(before, after);
            foreach (var digest in before.Digests)
            {
                using var pull = await _server.Client.GetAsync($"/v2/{repository}/manifests/{digest}");
                Assert.Equal(HttpStatusCode.OK, pull.StatusCode);
            }

            return;
        }

        var done = operation switch
        {
            Operation.PushToExistingTag => after.Tags["v1"] == b.Manifest.Digest,
            Operation.PushSameDigest => after == before,
            Operation.PushNewMatchingTag or Operation.ApiTagCreateNew => after.Tags["v2"] == b.Manifest.Digest && after.Tags["v1"] == a.Manifest.Digest,
            Operation.PushToExistingNonMatchingTag => after.Tags["latest"] == b.Manifest.Digest && after.Tags["v1"] == a.Manifest.Digest,
            Operation.ApiTagDelete or Operation.V2TagDelete => !after.Tags.ContainsKey("v1") && after.Digests.Contains(a.Manifest.Digest),
            Operation.ApiArtifactDelete or Operation.V2ArtifactDelete => !after.Digests.Contains(a.Manifest.Digest) && after.Digests.Contains(b.Manifest.Digest),
            Operation.RepositoryDelete => after.Digests.Count == 0,
            // Retention deletes the untagged B under every rule; what it keeps is in the outcome.
            Operation.Retention => !after.Digests.Contains(b.Manifest.Digest) && after.Digests.Count == after.Tags.Count,
            _ => false,
        };
        Assert.True(done, $"{operation} under {rule}: before {before}, after {after}");
    }

    /// <summary>Runs the operation and says what came of it: the status code, or for retention the tags left.</summary>
    private async Task<string> RunAsync(Operation operation, string project, string repository, TestImage a, TestImage b)
    {
        var artifacts = $"/api/v2.0/projects/{project}/repositories/app/artifacts";
        return operation switch
        {
            Operation.PushToExistingTag => await PushAsync(repository, "v1", b.Manifest),
            Operation.PushSameDigest => await PushAsync(repository, "v1", a.Manifest),
            Operation.PushNewMatchingTag => await PushAsync(repository, "v2", b.Manifest),
            Operation.PushToExistingNonMatchingTag => await PushAsync(repository, "latest", b.Manifest),
            Operation.ApiTagMove => await ApiAsync(HttpMethod.Post, $"{artifacts}/{b.Manifest.Digest}/tags", """{"name":"v1"}"""),
            Operation.ApiTagCreateNew => await ApiAsync(HttpMethod.Post, $"{artifacts}/{b.Manifest.Digest}/tags", """{"name":"v2"}"""),
            Operation.ApiTagDelete => await ApiAsync(HttpMethod.Delete, $"{artifacts}/v1/tags/v1"),
            Operation.V2TagDelete => await V2DeleteAsync(repository, "v1"),
            Operation.ApiArtifactDelete => await ApiAsync(HttpMethod.Delete, $"{artifacts}/{a.Manifest.Digest}"),
            Operation.V2ArtifactDelete => await V2DeleteAsync(repository, a.Manifest.Digest),
            Operation.RepositoryDelete => await ApiAsync(HttpMethod.Delete, $"/api/v2.0/projects/{project}/repositories/app"),
            Operation.Retention => await RetainNothingAsync(project, repository),
            _ => throw new ArgumentOutOfRangeException(nameof(operation)),
        };
    }

    private async Task<string> PushAsync(string repository, string tag, TestBlob manifest)
    {
        using var response = await _server.Client.PushManifestAsync(repository, tag, manifest);
        return await OutcomeOfV2Async(response);
    }

    private async Task PushTagAsync(string repository, string tag, TestBlob manifest, HttpStatusCode expected)
    {
        using var response = await _server.Client.PushManifestAsync(repository, tag, manifest);
        RegistryClient.Expect(response, expected);
    }

    private async Task<string> V2DeleteAsync(string repository, string reference)
    {
        using var response = await _server.Client.DeleteAsync($"/v2/{repository}/manifests/{reference}");
        return await OutcomeOfV2Async(response);
    }

    /// <summary>The status; a refusal on <c>/v2/</c> must be the OCI error body with Harbor's code and a message that says why.</summary>
    private static async Task<string> OutcomeOfV2Async(HttpResponseMessage response)
    {
        if (response.StatusCode == HttpStatusCode.PreconditionFailed)
        {
            var message = await AssertErrorAsync(response, HttpStatusCode.PreconditionFailed, "PRECONDITION");
            Assert.Contains("immutable", message, StringComparison.Ordinal);
        }

        return ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    private async Task<string> ApiAsync(HttpMethod method, string path, string? body = null)
    {
        using var response = await _server.SendAsync(method, path, TestCredentials.AdminAuthorization, body);
        if (response.StatusCode == HttpStatusCode.PreconditionFailed)
        {
            var message = await AssertErrorAsync(response, HttpStatusCode.PreconditionFailed, "PRECONDITION");
            Assert.Contains("immutable", message, StringComparison.Ordinal);
        }
        else if (response.StatusCode == HttpStatusCode.Conflict)
        {
            await AssertErrorAsync(response, HttpStatusCode.Conflict, "CONFLICT");
        }

        return ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Runs a retention policy that retains nothing (the latest 0 of everything) and says which tags are left.</summary>
    private async Task<string> RetainNothingAsync(string project, string repository)
    {
        var projectId = await ProjectIdAsync(_server, project);
        var policy = new JsonObject
        {
            ["algorithm"] = "or",
            ["rules"] = new JsonArray(new JsonObject
            {
                ["disabled"] = false,
                ["action"] = "retain",
                ["template"] = "latestPushedK",
                ["params"] = new JsonObject { ["latestPushedK"] = 0 },
                ["scope_selectors"] = new JsonObject
                {
                    ["repository"] = new JsonArray(new JsonObject { ["kind"] = "doublestar", ["decoration"] = "repoMatches", ["pattern"] = "**" }),
                },
                ["tag_selectors"] = new JsonArray(new JsonObject
                {
                    ["kind"] = "doublestar",
                    ["decoration"] = "matches",
                    ["pattern"] = "**",
                    ["extras"] = "{\"untagged\":true}",
                }),
            }),
            ["trigger"] = new JsonObject { ["kind"] = "Schedule", ["settings"] = new JsonObject { ["cron"] = "" } },
            ["scope"] = new JsonObject { ["level"] = "project", ["ref"] = projectId },
        };
        using var created = await _server.SendAsync(HttpMethod.Post, "/api/v2.0/retentions", TestCredentials.AdminAuthorization, policy.ToJsonString());
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var policyPath = created.Headers.Location!.OriginalString;
        using var run = await _server.SendAsync(HttpMethod.Post, policyPath + "/executions", TestCredentials.AdminAuthorization, """{"dry_run":false}""");
        Assert.Equal(HttpStatusCode.Created, run.StatusCode);
        var executionId = run.Headers.Location!.OriginalString.Split('/')[^1];

        var deadline = DateTime.UtcNow.AddSeconds(30);
        string status;
        do
        {
            await Task.Delay(100);
            using var list = await _server.SendAsync(HttpMethod.Get, policyPath + "/executions?page_size=100", TestCredentials.AdminAuthorization);
            var executions = JsonDocument.Parse(await list.Content.ReadAsStringAsync()).RootElement;
            status = executions.EnumerateArray().Single(e => e.GetProperty("id").GetInt64().ToString(System.Globalization.CultureInfo.InvariantCulture) == executionId)
                .GetProperty("status").GetString()!;
        }
        while (status is "Pending" or "Running" && DateTime.UtcNow < deadline);
        Assert.Equal("Success", status);

        var tags = (await SnapshotAsync(repository)).Tags.Keys.Order(StringComparer.Ordinal).ToList();
        return "kept " + (tags.Count == 0 ? "nothing" : string.Join(",", tags));
    }

    /// <summary>The repository as the database holds it: its artifacts and where each tag points.</summary>
    private sealed record Snapshot(IReadOnlySet<string> Digests, IReadOnlyDictionary<string, string> Tags)
    {
        public bool Equals(Snapshot? other) => other is not null && Digests.SetEquals(other.Digests)
            && Tags.Count == other.Tags.Count && Tags.All(t => other.Tags.TryGetValue(t.Key, out var d) && d == t.Value);

        public override int GetHashCode() => Digests.Count;

        public override string ToString() =>
            $"artifacts [{string.Join(", ", Digests.Order(StringComparer.Ordinal))}], tags [{string.Join(", ", Tags.OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => $"{t.Key}={t.Value}"))}]";
    }

    private async Task<Snapshot> SnapshotAsync(string repository)
    {
        await using var db = DataDirectory.Open(_server.DataDirectory);
        var digests = await db.Artifacts.Where(a => a.Repository!.Name == repository).Select(a => a.Digest).ToListAsync();
        var tags = await db.Tags.Where(t => t.Artifact!.Repository!.Name == repository).Select(t => new { t.Name, t.Artifact!.Digest }).ToListAsync();
        return new Snapshot(digests.ToHashSet(StringComparer.Ordinal), tags.ToDictionary(t => t.Name, t => t.Digest, StringComparer.Ordinal));
    }
}
