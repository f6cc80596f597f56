using System.Net;
using Berth.Testing;
using static Berth.Tests.Immutability.ImmutabilityApi;

namespace Berth.Tests.Immutability;

/// <summary>The check runs on every manifest push: once a project's rules are known, pushing asks the database nothing more about them.</summary>
public sealed class ImmutabilityCostTests : IAsyncLifetime
{
    // Created before the server, as the counter needs.
    private readonly SqlCommandCounter _commands = new();
    private BerthServer _server = null!;

    public async ValueTask InitializeAsync()
    {
        _server = await BerthServer.StartAsync(new Dictionary<string, string?> { ["Jobs:Enabled"] = "false" });
        _commands.DataDirectory = _server.DataDirectory;
    }

    public async ValueTask DisposeAsync()
    {
        _commands.Dispose();
        await _server.DisposeAsync();
    }

    // SQLite's SQL quotes table names, PostgreSQL's leaves lower-case ones bare.
    private int RuleQueries() => _commands.Commands.Count(c => System.Text.RegularExpressions.Regex.IsMatch(c, "\\bpolicies\\b"));

    [Fact]
    public async Task Pushes_read_a_projects_rules_once_whether_it_has_any_or_not()
    {
        var plain = await NewProjectAsync(_server);
        var guarded = await NewProjectAsync(_server);
        await CreateRuleAsync(_server, guarded, Rule("release-*"));
        var images = Enumerable.Range(0, 3).Select(i => TestImage.Create().WithLayer(20 + i).Build()).ToList();

        foreach (var project in new[] { plain, guarded })
        {
            foreach (var image in images)
            {
                await PushByDigestAsync(_server, project + "/app", image);
            }

            // Within the cache's lifetime (ten seconds; three manifest pushes take far less), each moving "dev", which no rule protects.
            _commands.Reset();
            foreach (var image in images)
            {
                using var pushed = await _server.Client.PushManifestAsync(project + "/app", "dev", image.Manifest);
                Assert.Equal(HttpStatusCode.Created, pushed.StatusCode);
            }

            Assert.Equal(1, RuleQueries());
        }

        // A change forgets what was known: the next push reads the rules again, and obeys them.
        await CreateRuleAsync(_server, plain, Rule("dev"));
        _commands.Reset();
        using var refused = await _server.Client.PushManifestAsync(plain + "/app", "dev", images[0].Manifest);
        await AssertErrorAsync(refused, HttpStatusCode.PreconditionFailed, "PRECONDITION");
        Assert.Equal(1, RuleQueries());
    }
}
