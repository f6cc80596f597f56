using System.Text.Json;
using Berth.Retention;

namespace Berth.Tests.Retention;

public class RetentionEvaluatorTests
{
    private static readonly DateTime Now = new(2026, 6, 1, 0, 0, 0, DateTimeKind.Utc);

    /// <summary>Twelve artifacts: a{i} pushed i*30 days ago; pulled (i*20 days ago) for the even ones only; a11 untagged.</summary>
    private static readonly List<RetentionCandidate> Artifacts = Enumerable.Range(0, 12).Select(i => new RetentionCandidate(
        i,
        $"sha256:{i:x64}",
        i == 11 ? [] : [$"v{i}", i % 3 == 0 ? "stable" : $"dev-{i}"],
        Now.AddDays(-30 * i),
        i % 2 == 0 ? Now.AddDays(-20 * i) : null)).ToList();

    private static RetentionRule Rule(string template, int? value = null, string tags = "**", string tagDecoration = "matches",
        bool? untagged = null, string repositories = "**", string repositoryDecoration = "repoMatches") => new()
        {
            Template = template,
            Params = value is { } v ? new() { [template] = JsonSerializer.SerializeToElement(v) } : [],
            TagSelectors = [new RetentionSelector
            {
                Decoration = tagDecoration, Pattern = tags, Extras = untagged is { } u ? $"{{\"untagged\":{(u ? "true" : "false")}}}" : null,
            }],
            ScopeSelectors = new() { ["repository"] = [new RetentionSelector { Decoration = repositoryDecoration, Pattern = repositories }] },
        };

    private static List<long> Retained(params RetentionRule[] rules) =>
        RetentionEvaluator.Evaluate("app", Artifacts, new RetentionPolicy { Rules = [.. rules] }, Now)
            .Retained.Select(c => c.ArtifactId).Order().ToList();

    [Fact]
    public void Latest_pushed_k() => Assert.Equal([0L, 1, 2], Retained(Rule(RetentionTemplates.LatestPushedK, 3)));

    [Fact]
    public void Latest_pulled_n_ranks_never_pulled_last() =>
        Assert.Equal([0L, 2, 4], Retained(Rule(RetentionTemplates.LatestPulledN, 3)));

    [Fact]
    public void N_days_since_last_push() => Assert.Equal([0L, 1, 2, 3], Retained(Rule(RetentionTemplates.NDaysSinceLastPush, 90)));

    [Fact]
    public void N_days_since_last_pull_never_retains_the_never_pulled() =>
        Assert.Equal([0L, 2, 4], Retained(Rule(RetentionTemplates.NDaysSinceLastPull, 80)));

    [Fact]
    public void Always_retains_everything_selected() => Assert.Equal(12, Retained(Rule(RetentionTemplates.Always)).Count);

    [Fact]
    public void Latest_active_k_uses_the_later_of_push_and_pull()
    {
        // a10 was pushed 300 days ago but pulled 200 days ago; a9 pushed 270 days ago, never pulled.
        var retained = RetentionEvaluator.Evaluate("app", Artifacts.Where(a => a.ArtifactId is 9 or 10).ToList(),
            new RetentionPolicy { Rules = [Rule(RetentionTemplates.LatestActiveK, 1)] }, Now).Retained;
        Assert.Equal(10, Assert.Single(retained).ArtifactId);
    }

    [Fact]
    public void Missing_parameters_take_harbors_defaults() =>
        Assert.Equal(10, Retained(Rule(RetentionTemplates.LatestPushedK)).Count);

    [Fact]
    public void Tag_matches_selects_artifacts_with_any_matching_tag_and_untagged_ones_by_default()
    {
        Assert.Equal([0L, 3, 6, 9, 11], Retained(Rule(RetentionTemplates.Always, tags: "stable")));
        Assert.Equal([0L, 3, 6, 9], Retained(Rule(RetentionTemplates.Always, tags: "stable", untagged: false)));
    }

    [Fact]
    public void Tag_excludes_selects_artifacts_with_any_other_tag_and_inverts_the_untagged_flag()
    {
        // Every tagged artifact has a v{i} tag that is not "stable", so all are selected.
        Assert.Equal(12, Retained(Rule(RetentionTemplates.Always, tags: "stable", tagDecoration: "excludes")).Count);
        Assert.Equal(11, Retained(Rule(RetentionTemplates.Always, tags: "stable", tagDecoration: "excludes", untagged: true)).Count);
        Assert.Equal([11L], Retained(Rule(RetentionTemplates.Always, tags: "{v*,stable,dev-*}", tagDecoration: "excludes")));
    }

    [Fact]
    public void Rules_apply_only_to_the_repositories_they_select()
    {
        var policy = new RetentionPolicy { Rules = [Rule(RetentionTemplates.Always, repositories: "other/**")] };
        var untouched = RetentionEvaluator.Evaluate("app", Artifacts, policy, Now);
        Assert.False(untouched.Applies);
        Assert.Empty(untouched.Deleted);

        var excluded = RetentionEvaluator.Evaluate("app", Artifacts,
            new RetentionPolicy { Rules = [Rule(RetentionTemplates.Always, repositories: "app", repositoryDecoration: "repoExcludes")] }, Now);
        Assert.False(excluded.Applies);
    }

    [Fact]
    public void Disabled_rules_do_not_count()
    {
        var rule = Rule(RetentionTemplates.Always);
        rule.Disabled = true;
        Assert.False(RetentionEvaluator.Evaluate("app", Artifacts, new RetentionPolicy { Rules = [rule] }, Now).Applies);
    }

    [Fact]
    public void Pulled_in_180_days_or_one_of_the_10_latest_pulled_or_pushed_in_180_days()
    {
        var decision = RetentionEvaluator.Evaluate("app", Artifacts, new RetentionPolicy
        {
            Rules =
            [
                Rule(RetentionTemplates.NDaysSinceLastPull, 180),
                Rule(RetentionTemplates.LatestPulledN, 10),
                Rule(RetentionTemplates.NDaysSinceLastPush, 180),
            ],
        }, Now);

        // Pulled within 180 days: a0, a2, a4, a6, a8 (a10 was pulled 200 days ago).
        // Ten latest pulled: the six pulled ones, then four never pulled (ties keep their order): a1, a3, a5, a7.
        // Pushed within 180 days: a0 to a6. So a9 and a11 go, and a10 stays through the latest-pulled rule.
        Assert.Equal([9L, 11], decision.Deleted.Select(c => c.ArtifactId).Order());
        Assert.Equal(10, decision.Retained.Count);
    }

    [Theory]
    [InlineData("latestPushedK", -1)]
    [InlineData("latestPushedK", 32767)]
    [InlineData("nDaysSinceLastPush", 20190905)]
    public void Out_of_range_parameters_are_refused(string template, int value) =>
        Assert.NotNull(RetentionTemplates.Validate(Rule(template, value)));

    [Fact]
    public void Unknown_templates_are_refused() => Assert.NotNull(RetentionTemplates.Validate(Rule("keepEverythingForever")));
}
