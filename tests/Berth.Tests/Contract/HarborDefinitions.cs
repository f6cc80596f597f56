using System.Diagnostics.CodeAnalysis;

namespace Berth.Tests.Contract;

/// <summary>The JSON types Harbor's swagger gives fields; <see cref="DateTime"/> is a string that must parse as RFC 3339.</summary>
[SuppressMessage("Naming", "CA1720:Identifier contains type name", Justification = "Swagger's own names for its types.")]
public enum JsonType
{
    String,
    Integer,
    Boolean,
    DateTime,
    Object,
    Array,
}

/// <summary>One property of a swagger definition.</summary>
/// <param name="Name">The property's name in the JSON.</param>
/// <param name="Type">Its JSON type.</param>
/// <param name="Nullable">Whether it may be <c>null</c> (swagger's <c>x-nullable</c>).</param>
/// <param name="Required">Berth always sends it. Optional ones are those Harbor itself leaves out in some answers (each says when).</param>
/// <param name="Reference">For an object, or an array of objects, the definition it must match.</param>
/// <param name="Items">For an array of scalars, their type.</param>
public sealed record Field(string Name, JsonType Type, bool Required = true, bool Nullable = false, string? Reference = null, JsonType? Items = null);

/// <summary>A swagger definition: its properties, or for a map (<c>additionalProperties</c>) the type of every value.</summary>
public sealed record Definition(IReadOnlyList<Field> Fields, JsonType? MapOf = null);

/// <summary>
/// The response definitions of Harbor's <c>/api/v2.0</c> swagger that the users, projects, members, robots, ping, systeminfo, health,
/// repositories, artifacts, tags, labels, immutable tag rules, search, statistics, quotas, audit log and webhook endpoints return, written out by hand from the contract: every property, its JSON type, and whether Berth always sends it.
/// </summary>
/// <remarks>An answer may hold no property a definition does not declare: a misspelt field is as broken for a generated client as a missing one.</remarks>
public static class HarborDefinitions
{
    private static Field Req(string name, JsonType type, string? reference = null, JsonType? items = null) => new(name, type, true, false, reference, items);

    private static Field Opt(string name, JsonType type, string? reference = null, JsonType? items = null, bool nullable = false) =>
        new(name, type, false, nullable, reference, items);

    public static IReadOnlyDictionary<string, Definition> All { get; } = new Dictionary<string, Definition>(StringComparer.Ordinal)
    {
        ["Errors"] = new([Req("errors", JsonType.Array, "Error")]),
        ["Error"] = new([Req("code", JsonType.String), Req("message", JsonType.String)]),

        ["Project"] = new(
        [
            Req("project_id", JsonType.Integer),
            Req("owner_id", JsonType.Integer),
            Req("name", JsonType.String),
            Opt("registry_id", JsonType.Integer, nullable: true),     // set only for proxy-cache projects
            Req("creation_time", JsonType.DateTime),
            Req("update_time", JsonType.DateTime),
            Req("deleted", JsonType.Boolean),
            Opt("owner_name", JsonType.String),                       // left out with with_detail=false
            Req("togglable", JsonType.Boolean),
            Req("current_user_role_id", JsonType.Integer),
            Req("current_user_role_ids", JsonType.Array, items: JsonType.Integer),
            Req("repo_count", JsonType.Integer),
            Opt("metadata", JsonType.Object, "ProjectMetadata"),      // left out with with_detail=false
            Req("cve_allowlist", JsonType.Object, "CVEAllowlist"),
        ]),
        ["ProjectMetadata"] = new(
        [
            Req("public", JsonType.String),
            .. new[]
            {
                "enable_content_trust", "enable_content_trust_cosign", "prevent_vul", "severity", "auto_scan", "auto_sbom_generation",
                "reuse_sys_cve_allowlist", "retention_id", "proxy_speed_kb", "max_upstream_conn", "proxy_cache_local_on_not_found",
                "proxy_referrer_api", "proxy_cache_filter_pattern", "proxy_cache_filter_kind",
            }.Select(name => Opt(name, JsonType.String, nullable: true)),   // x-nullable, set only when configured
        ]),
        ["CVEAllowlist"] = new(
        [
            Opt("id", JsonType.Integer),                              // no allowlist stored yet
            Req("project_id", JsonType.Integer),
            Opt("expires_at", JsonType.Integer, nullable: true),
            Req("items", JsonType.Array, "CVEAllowlistItem"),
            Opt("creation_time", JsonType.DateTime),
            Opt("update_time", JsonType.DateTime),
        ]),
        ["CVEAllowlistItem"] = new([Req("cve_id", JsonType.String)]),
        ["ProjectDeletable"] = new([Req("deletable", JsonType.Boolean), Opt("message", JsonType.String)]),   // a message only when not deletable
        ["ProjectSummary"] = new(
        [
            Req("repo_count", JsonType.Integer),
            // Member counts only for callers who may list members; quota only with quotas; registry only for proxy projects.
            Opt("project_admin_count", JsonType.Integer),
            Opt("maintainer_count", JsonType.Integer),
            Opt("developer_count", JsonType.Integer),
            Opt("guest_count", JsonType.Integer),
            Opt("limited_guest_count", JsonType.Integer),
            Opt("quota", JsonType.Object, "ProjectSummaryQuota"),
            Opt("registry", JsonType.Object, "Registry"),
        ]),
        ["ProjectSummaryQuota"] = new([Opt("hard", JsonType.Object, "ResourceList"), Opt("used", JsonType.Object, "ResourceList")]),
        ["ResourceList"] = new([], MapOf: JsonType.Integer),
        ["Quota"] = new(
        [
            Req("id", JsonType.Integer), Req("ref", JsonType.Object, "QuotaRefObject"), Req("hard", JsonType.Object, "ResourceList"),
            Req("used", JsonType.Object, "ResourceList"), Req("creation_time", JsonType.DateTime), Req("update_time", JsonType.DateTime),
        ]),
        // additionalProperties: {} in the swagger; Harbor fills it with the project's id, name and owner's name.
        ["QuotaRefObject"] = new([Req("id", JsonType.Integer), Req("name", JsonType.String), Req("owner_name", JsonType.String)]),
        ["ProjectMemberEntity"] = new(
        [
            Req("id", JsonType.Integer),
            Req("project_id", JsonType.Integer),
            Req("entity_name", JsonType.String),
            Req("role_name", JsonType.String),
            Req("role_id", JsonType.Integer),
            Req("entity_id", JsonType.Integer),
            Req("entity_type", JsonType.String),
        ]),

        ["UserResp"] = new(
        [
            Req("email", JsonType.String),
            Req("realname", JsonType.String),
            Req("comment", JsonType.String),
            Req("user_id", JsonType.Integer),
            Req("username", JsonType.String),
            Req("sysadmin_flag", JsonType.Boolean),
            Req("admin_role_in_auth", JsonType.Boolean),
            Opt("oidc_user_meta", JsonType.Object, "OIDCUserInfo", nullable: true),   // OIDC users only
            Req("creation_time", JsonType.DateTime),
            Req("update_time", JsonType.DateTime),
        ]),
        ["OIDCUserInfo"] = new(
        [
            Opt("id", JsonType.Integer), Opt("user_id", JsonType.Integer), Opt("subiss", JsonType.String), Opt("secret", JsonType.String),
            Opt("creation_time", JsonType.DateTime), Opt("update_time", JsonType.DateTime),
        ]),
        ["UserSearchRespItem"] = new([Req("user_id", JsonType.Integer), Req("username", JsonType.String)]),
        ["Permission"] = new([Req("resource", JsonType.String), Req("action", JsonType.String)]),

        ["OverallHealthStatus"] = new([Req("status", JsonType.String), Req("components", JsonType.Array, "ComponentHealthStatus")]),
        ["ComponentHealthStatus"] = new([Req("name", JsonType.String), Req("status", JsonType.String), Opt("error", JsonType.String)]),   // error only when unhealthy
        // Every GeneralInfo field is x-omitempty: anonymous callers get the first four, signed-in callers all but the OIDC and auth-proxy ones.
        ["GeneralInfo"] = new(
        [
            Opt("banner_message", JsonType.String, nullable: true),
            Opt("current_time", JsonType.DateTime, nullable: true),
            Opt("registry_url", JsonType.String, nullable: true),
            Opt("external_url", JsonType.String, nullable: true),
            Opt("auth_mode", JsonType.String, nullable: true),
            Opt("primary_auth_mode", JsonType.Boolean, nullable: true),
            Opt("project_creation_restriction", JsonType.String, nullable: true),
            Opt("self_registration", JsonType.Boolean, nullable: true),
            Opt("has_ca_root", JsonType.Boolean, nullable: true),
            Opt("harbor_version", JsonType.String, nullable: true),
            Opt("registry_storage_provider_name", JsonType.String, nullable: true),
            Opt("read_only", JsonType.Boolean, nullable: true),
            Opt("notification_enable", JsonType.Boolean, nullable: true),
            Opt("authproxy_settings", JsonType.Object, "AuthproxySetting", nullable: true),
            Opt("oidc_provider_name", JsonType.String, nullable: true),
        ]),
        ["AuthproxySetting"] = new(
        [
            Opt("endpoint", JsonType.String), Opt("tokenreivew_endpoint", JsonType.String), Opt("skip_search", JsonType.Boolean),
            Opt("verify_cert", JsonType.Boolean), Opt("server_certificate", JsonType.String),
        ]),

        ["Robot"] = new(
        [
            Req("id", JsonType.Integer),
            Req("name", JsonType.String),
            Req("description", JsonType.String),
            Opt("secret", JsonType.String),                           // never sent after creation
            Req("level", JsonType.String),
            Req("duration", JsonType.Integer),
            Req("editable", JsonType.Boolean),
            Req("disable", JsonType.Boolean),
            Req("expires_at", JsonType.Integer),
            Req("permissions", JsonType.Array, "RobotPermission"),
            Req("creator_type", JsonType.String),
            Req("creator_ref", JsonType.Integer),
            Req("creation_time", JsonType.DateTime),
            Req("update_time", JsonType.DateTime),
        ]),
        ["RobotPermission"] = new([Req("kind", JsonType.String), Req("namespace", JsonType.String), Req("access", JsonType.Array, "Access")]),
        ["Access"] = new([Req("resource", JsonType.String), Req("action", JsonType.String), Req("effect", JsonType.String)]),
        ["RobotCreated"] = new(
        [
            Req("id", JsonType.Integer), Req("name", JsonType.String), Req("secret", JsonType.String),
            Req("creation_time", JsonType.DateTime), Req("expires_at", JsonType.Integer),
        ]),
        ["RobotSec"] = new([Req("secret", JsonType.String)]),

        ["Repository"] = new(
        [
            Req("id", JsonType.Integer),
            Req("project_id", JsonType.Integer),
            Req("name", JsonType.String),
            Req("description", JsonType.String),
            Req("artifact_count", JsonType.Integer),
            Req("pull_count", JsonType.Integer),
            Req("creation_time", JsonType.DateTime),
            Req("update_time", JsonType.DateTime),
        ]),
        ["Artifact"] = new(
        [
            Req("id", JsonType.Integer),
            Req("type", JsonType.String),
            Req("media_type", JsonType.String),
            Req("manifest_media_type", JsonType.String),
            Req("artifact_type", JsonType.String),
            Req("project_id", JsonType.Integer),
            Req("repository_id", JsonType.Integer),
            Req("repository_name", JsonType.String),
            Req("digest", JsonType.String),
            Req("size", JsonType.Integer),
            Req("icon", JsonType.String),
            Req("push_time", JsonType.DateTime),
            Req("pull_time", JsonType.DateTime),
            // The swagger's ExtraAttrs is a map of objects, yet Harbor puts strings in it (architecture, os): only "an object" holds.
            Req("extra_attrs", JsonType.Object),
            Req("annotations", JsonType.Object, "Annotations"),
            Req("references", JsonType.Array, "Reference"),
            Opt("tags", JsonType.Array, "Tag"),                       // left out with with_tag=false
            Opt("addition_links", JsonType.Object, "AdditionLinks"),  // no additions yet
            Opt("labels", JsonType.Array, "Label"),                   // only with with_label=true
            Opt("scan_overview", JsonType.Object),                    // no scanner yet
            Opt("sbom_overview", JsonType.Object),
            Opt("accessories", JsonType.Array, "Accessory"),          // only with with_accessory=true
            Opt("inherited_accessories", JsonType.Array, "Accessory"),
        ]),
        ["Annotations"] = new([], MapOf: JsonType.String),
        ["AdditionLinks"] = new([], MapOf: JsonType.Object),
        ["Reference"] = new(
        [
            Req("parent_id", JsonType.Integer),
            Req("child_id", JsonType.Integer),
            Req("child_digest", JsonType.String),
            Opt("platform", JsonType.Object, "Platform"),             // each only when the index entry has it
            Opt("annotations", JsonType.Object, "Annotations"),
            Opt("urls", JsonType.Array, items: JsonType.String),
        ]),
        ["Platform"] = new(
        [
            Opt("architecture", JsonType.String),
            Opt("os", JsonType.String),
            Opt("'os.version'", JsonType.String),                     // the swagger's own name, quotes included
            Opt("'os.features'", JsonType.Array, items: JsonType.String),
            Opt("variant", JsonType.String),
        ]),
        ["Tag"] = new(
        [
            Req("id", JsonType.Integer),
            Req("repository_id", JsonType.Integer),
            Req("artifact_id", JsonType.Integer),
            Req("name", JsonType.String),
            Req("push_time", JsonType.DateTime),
            Req("pull_time", JsonType.DateTime),
            Req("immutable", JsonType.Boolean),
        ]),
        ["Accessory"] = new(
        [
            Req("id", JsonType.Integer),
            Req("artifact_id", JsonType.Integer),
            Req("subject_artifact_id", JsonType.Integer),
            Req("subject_artifact_digest", JsonType.String),
            Req("subject_artifact_repo", JsonType.String),
            Req("size", JsonType.Integer),
            Req("digest", JsonType.String),
            Req("type", JsonType.String),
            Req("icon", JsonType.String),
            Req("creation_time", JsonType.DateTime),
        ]),
        ["Label"] = new(
        [
            Req("id", JsonType.Integer),
            Req("name", JsonType.String),
            Req("description", JsonType.String),
            Req("color", JsonType.String),
            Req("scope", JsonType.String),
            Req("project_id", JsonType.Integer),
            Req("creation_time", JsonType.DateTime),
            Req("update_time", JsonType.DateTime),
        ]),
        ["ImmutableRule"] = new(
        [
            Req("id", JsonType.Integer),
            Req("priority", JsonType.Integer),
            Req("disabled", JsonType.Boolean),
            Req("action", JsonType.String),
            Req("template", JsonType.String),
            Req("params", JsonType.Object),
            Req("tag_selectors", JsonType.Array, "ImmutableSelector"),
            Req("scope_selectors", JsonType.Object, "ImmutableScopeSelectors"),
        ]),
        // A map of selector arrays in the swagger, whose only key is "repository".
        ["ImmutableScopeSelectors"] = new([Req("repository", JsonType.Array, "ImmutableSelector")]),
        ["ImmutableSelector"] = new(
        [
            Req("kind", JsonType.String),
            Req("decoration", JsonType.String),
            Req("pattern", JsonType.String),
            Opt("extras", JsonType.String),                           // accepted, never sent: Harbor's rules drop it
        ]),
        ["Search"] = new([Req("project", JsonType.Array, "Project"), Req("repository", JsonType.Array, "SearchRepository")]),
        ["SearchRepository"] = new(
        [
            Req("project_id", JsonType.Integer),
            Req("project_name", JsonType.String),
            Req("project_public", JsonType.Boolean),
            Req("repository_name", JsonType.String),
            Req("pull_count", JsonType.Integer),
            Req("artifact_count", JsonType.Integer),
        ]),
        ["AuditLog"] = new(
        [
            Req("id", JsonType.Integer),
            Req("username", JsonType.String),
            Req("resource", JsonType.String),
            Req("resource_type", JsonType.String),
            Req("operation", JsonType.String),
            Req("op_time", JsonType.DateTime),
        ]),
        ["WebhookPolicy"] = new(
        [
            Req("id", JsonType.Integer),
            Req("name", JsonType.String),
            Req("description", JsonType.String),
            Req("project_id", JsonType.Integer),
            Req("targets", JsonType.Array, "WebhookTargetObject"),
            Req("event_types", JsonType.Array, items: JsonType.String),
            Req("creator", JsonType.String),
            Req("creation_time", JsonType.DateTime),
            Req("update_time", JsonType.DateTime),
            Req("enabled", JsonType.Boolean),
        ]),
        ["WebhookTargetObject"] = new(
        [
            Req("type", JsonType.String),
            Req("address", JsonType.String),
            Req("auth_header", JsonType.String),
            Req("skip_cert_verify", JsonType.Boolean),
            Req("payload_format", JsonType.String),
        ]),
        ["SupportedWebhookEventTypes"] = new(
        [
            Req("event_type", JsonType.Array, items: JsonType.String),
            Req("notify_type", JsonType.Array, items: JsonType.String),
            Req("payload_formats", JsonType.Array, "PayloadFormat"),
        ]),
        ["PayloadFormat"] = new([Req("notify_type", JsonType.String), Req("formats", JsonType.Array, items: JsonType.String)]),
        ["WebhookLastTrigger"] = new(
        [
            Req("policy_name", JsonType.String),
            Req("event_type", JsonType.String),
            Req("enabled", JsonType.Boolean),
            Req("creation_time", JsonType.DateTime),
            Opt("last_trigger_time", JsonType.DateTime),              // only once the policy has fired for the type
        ]),
        // The swagger types these times as plain strings (no date-time format); Berth writes RFC 3339 anyway.
        ["Execution"] = new(
        [
            Req("id", JsonType.Integer),
            Req("vendor_type", JsonType.String),
            Req("vendor_id", JsonType.Integer),
            Req("status", JsonType.String),
            Req("status_message", JsonType.String),
            Req("metrics", JsonType.Object, "Metrics"),
            Req("trigger", JsonType.String),
            Req("extra_attrs", JsonType.Object),                      // ExtraAttrs: a map of whatever the vendor keeps
            Req("start_time", JsonType.String),
            Opt("end_time", JsonType.String),                         // only once it has ended
        ]),
        ["Metrics"] = new(
        [
            Req("task_count", JsonType.Integer),
            Req("success_task_count", JsonType.Integer),
            Req("error_task_count", JsonType.Integer),
            Req("pending_task_count", JsonType.Integer),
            Req("running_task_count", JsonType.Integer),
            Req("scheduled_task_count", JsonType.Integer),
            Req("stopped_task_count", JsonType.Integer),
        ]),
        ["Task"] = new(
        [
            Req("id", JsonType.Integer),
            Req("execution_id", JsonType.Integer),
            Req("status", JsonType.String),
            Req("status_message", JsonType.String),
            Req("run_count", JsonType.Integer),
            Req("extra_attrs", JsonType.Object),
            Req("creation_time", JsonType.String),
            Req("update_time", JsonType.String),
            Opt("start_time", JsonType.String),                       // only once it has started
            Opt("end_time", JsonType.String),                         // only once it has ended
        ]),
        ["Statistic"] = new(
        [
            .. new[]
            {
                "private_project_count", "private_repo_count", "public_project_count", "public_repo_count", "total_project_count",
                "total_repo_count", "total_storage_consumption",
            }.Select(name => Req(name, JsonType.Integer)),
        ]),
    };
}
