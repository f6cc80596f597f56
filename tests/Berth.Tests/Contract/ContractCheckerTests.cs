using System.Text.Json;

namespace Berth.Tests.Contract;

/// <summary>The checker the contract tests lean on finds what it should: missing, extra, mistyped and malformed fields.</summary>
public sealed class ContractCheckerTests
{
    private static List<string> Check(string json, string definition)
    {
        using var document = JsonDocument.Parse(json);
        return Contract.Violations(document.RootElement, definition);
    }

    private const string Member = """{"id":1,"project_id":2,"entity_name":"a","role_name":"guest","role_id":3,"entity_id":4,"entity_type":"u"}""";

    [Fact]
    public void A_conforming_object_passes() => Assert.Empty(Check(Member, "ProjectMemberEntity"));

    [Theory]
    [InlineData("""{"project_id":2,"entity_name":"a","role_name":"guest","role_id":3,"entity_id":4,"entity_type":"u"}""", "$.id: missing")]
    [InlineData("""{"id":"1","project_id":2,"entity_name":"a","role_name":"guest","role_id":3,"entity_id":4,"entity_type":"u"}""", "$.id: \"1\" is not Integer")]
    [InlineData("""{"id":1.5,"project_id":2,"entity_name":"a","role_name":"guest","role_id":3,"entity_id":4,"entity_type":"u"}""", "$.id: 1.5 is not Integer")]
    [InlineData("""{"id":1,"project_id":2,"entity_name":null,"role_name":"guest","role_id":3,"entity_id":4,"entity_type":"u"}""", "$.entity_name: null")]
    [InlineData("""{"id":1,"project_id":2,"entity_name":"a","role_name":"guest","role_id":3,"entity_id":4,"entity_type":"u","extra":1}""", "$.extra: not in ProjectMemberEntity")]
    [InlineData("""[]""", "$: Array, expected an object (ProjectMemberEntity)")]
    public void Each_kind_of_violation_is_reported(string json, string problem) => Assert.Equal([problem], Check(json, "ProjectMemberEntity"));

    [Theory]
    [InlineData("2024-01-02T03:04:05Z", true)]
    [InlineData("2024-01-02T03:04:05.123Z", true)]
    [InlineData("2024-01-02T03:04:05+02:00", true)]
    [InlineData("2024-01-02 03:04:05", false)]
    [InlineData("2024-01-02T03:04:05", false)]
    [InlineData("2024-13-02T03:04:05Z", false)]
    [InlineData("yesterday", false)]
    public void Date_times_must_be_rfc3339(string text, bool valid) => Assert.Equal(valid, Contract.IsRfc3339(text));

    [Fact]
    public void Nested_definitions_arrays_and_maps_are_checked()
    {
        Assert.Equal(["$.errors[0].message: missing"], Check("""{"errors":[{"code":"X"}]}""", "Errors"));
        Assert.Equal(["$.components[0].status: true is not String"], Check("""{"status":"healthy","components":[{"name":"core","status":true}]}""", "OverallHealthStatus"));
        Assert.Equal(["$.hard.storage: \"1\" is not Integer"], Check("""{"hard":{"storage":"1"}}""", "ProjectSummaryQuota"));
        Assert.Equal(["$.creation_time: \"2024-01-02\" is not DateTime", "$.current_user_role_ids[0]: \"1\" is not Integer"],
            Check("""
                {"project_id":1,"owner_id":1,"name":"p","creation_time":"2024-01-02","update_time":"2024-01-02T00:00:00Z","deleted":false,
                 "togglable":true,"current_user_role_id":1,"current_user_role_ids":["1"],"repo_count":0,"cve_allowlist":{"project_id":1,"items":[]}}
                """, "Project"));
    }
}
