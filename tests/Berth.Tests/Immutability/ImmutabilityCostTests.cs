using System.Net;
using Berth.Testing;
using static Berth.Tests.Immutability.ImmutabilityApi;

namespace Berth.Tests.Immutability;

/// <summary>The check runs on every manifest push: once a project's rules are known, pushing asks the database nothing more about them.</summary>
public sealed class ImmutabilityCostTests : IAsyncLifetime
{
    private CountedBerthServer _counted = null!;

    private BerthServer Server => _counted.Server;

    private SqlCommandCounter Commands => _counted.Commands;

    public async ValueTask InitializeAsync() =>
        _counted = await CountedBerthServer.StartAsync(new Dictionary<string, string?> { ["Jobs:Enabled"] = "false" });

    public ValueTask DisposeAsync() => _counted.DisposeAsync();

    // SQLite's SQL quotes table names, PostgreSQL's leaves lower-case ones bare.
    private int RuleQueries() => Commands.Commands.Count(c => System.Text.RegularExpressions.Regex.IsMatch(c, "\\bpolicies\\b"));

    [Fact]
    public async Task Pushes_read_a_projects_rules_once_whether_it_has_any_or_not()
    {
        var plain = await NewProjectAsync(Server);
        var guarded = await NewProjectAsync(Server);
        await CreateRuleAsync(Server, guarded, Rule("release-*"));
        var images = Enumerable.Range(0, 3).Select(i => TestImage.Create().WithLayer(20 + i).Build()).ToList();

        foreach (var project in new[] { plain, guarded })
        {
            foreach (var image in images)
            {
                await PushByDigestAsync(Server, project + "/app", image);
            }

            // Within the cache's lifetime (ten seconds; three manifest pushes take far less), each moving "dev", which no rule protects.
            Commands.Reset();
            foreach (var image in images)
            {
                using var pushed = await Server.Client.PushManifestAsync(project + "/app", "dev", image.Manifest);
                Assert.Equal(HttpStatusCode.Created, pushed.StatusCode);
            }

            Assert.Equal(1, RuleQueries());
        }

        // A change forgets what was known: the next push reads the rules again, and obeys them.
        await CreateRuleAsync(Server, plain, Rule("dev"));
        Commands.Reset();
        using var refused = await Server.Client.PushManifestAsync(plain + "/app", "dev", images[0].Manifest);
        await AssertErrorAsync(refused, HttpStatusCode.PreconditionFailed, "PRECONDITION");
        Assert.Equal(1, RuleQueries());
    }
}
