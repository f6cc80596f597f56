using System.Text;
using Berth.Testing;

namespace Berth.Tests.Contract;

/// <summary>Malformed bodies, parameters and names on every users, projects, members, repositories, artifacts, tags, labels, quotas, immutable tag rules, audit log and webhook route: a 4xx in Harbor's shape, never a 500.</summary>
public sealed class BadInputTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private static readonly string[] Routes =
    [
        "POST /api/v2.0/users", "GET /api/v2.0/users", "GET /api/v2.0/users/current", "GET /api/v2.0/users/current/permissions",
        "GET /api/v2.0/users/search", "GET /api/v2.0/users/{user}", "PUT /api/v2.0/users/{user}", "PUT /api/v2.0/users/{user}/password",
        "PUT /api/v2.0/users/{user}/sysadmin", "DELETE /api/v2.0/users/{user}",
        "POST /api/v2.0/projects", "GET /api/v2.0/projects", "HEAD /api/v2.0/projects", "GET /api/v2.0/projects/{project}",
        "PUT /api/v2.0/projects/{project}", "DELETE /api/v2.0/projects/{project}", "GET /api/v2.0/projects/{project}/_deletable",
        "GET /api/v2.0/projects/{project}/summary",
        "GET /api/v2.0/projects/{project}/members", "POST /api/v2.0/projects/{project}/members", "GET /api/v2.0/projects/{project}/members/{member}",
        "PUT /api/v2.0/projects/{project}/members/{member}", "DELETE /api/v2.0/projects/{project}/members/{member}",
        "GET /api/v2.0/systeminfo",
        "GET /api/v2.0/repositories", "GET /api/v2.0/projects/{project}/repositories", "GET /api/v2.0/projects/{project}/repositories/{repository}",
        "PUT /api/v2.0/projects/{project}/repositories/{repository}", "DELETE /api/v2.0/projects/{project}/repositories/{repository}",
        "GET /api/v2.0/projects/{project}/repositories/{repository}/artifacts",
        "GET /api/v2.0/projects/{project}/repositories/{repository}/artifacts/{reference}",
        "DELETE /api/v2.0/projects/{project}/repositories/{repository}/artifacts/{reference}",
        "GET /api/v2.0/projects/{project}/repositories/{repository}/artifacts/{reference}/tags",
        "POST /api/v2.0/projects/{project}/repositories/{repository}/artifacts/{reference}/tags",
        "DELETE /api/v2.0/projects/{project}/repositories/{repository}/artifacts/{reference}/tags/{tag}",
        "POST /api/v2.0/projects/{project}/repositories/{repository}/artifacts/{reference}/labels",
        "DELETE /api/v2.0/projects/{project}/repositories/{repository}/artifacts/{reference}/labels/{member}",
        "GET /api/v2.0/labels", "POST /api/v2.0/labels", "GET /api/v2.0/labels/{user}", "PUT /api/v2.0/labels/{user}", "DELETE /api/v2.0/labels/{user}",
        "GET /api/v2.0/search", "GET /api/v2.0/statistics",
        "GET /api/v2.0/quotas", "GET /api/v2.0/quotas/{user}", "PUT /api/v2.0/quotas/{user}",
        "GET /api/v2.0/audit-logs", "GET /api/v2.0/projects/{project}/logs",
        "GET /api/v2.0/projects/{project}/webhook/policies", "POST /api/v2.0/projects/{project}/webhook/policies",
        "GET /api/v2.0/projects/{project}/webhook/policies/{user}", "PUT /api/v2.0/projects/{project}/webhook/policies/{user}",
        "DELETE /api/v2.0/projects/{project}/webhook/policies/{user}", "GET /api/v2.0/projects/{project}/webhook/policies/{user}/executions",
        "GET /api/v2.0/projects/{project}/webhook/policies/{user}/executions/{member}/tasks",
        "GET /api/v2.0/projects/{project}/webhook/policies/{user}/executions/{member}/tasks/{member}/log",
        "GET /api/v2.0/projects/{project}/webhook/events", "GET /api/v2.0/projects/{project}/webhook/lasttrigger",
        "GET /api/v2.0/projects/{project}/immutabletagrules", "POST /api/v2.0/projects/{project}/immutabletagrules",
        "PUT /api/v2.0/projects/{project}/immutabletagrules/{member}", "DELETE /api/v2.0/projects/{project}/immutabletagrules/{member}",
    ];

    private static readonly string[] Bodies =
    [
        "{", "[]", "null", "\"text\"", "42", "{\"role_id\":1e400,\"sysadmin_flag\":\"x\",\"metadata\":[1]}",
        "{\"project_name\":{\"a\":1},\"username\":[],\"email\":7,\"member_user\":\"x\",\"new_password\":null}",
        "{\"name\":\"n\",\"event_types\":[\"PUSH_ARTIFACT\"],\"targets\":[{\"type\":\"http\",\"address\":\"http://[::1\"},{\"address\":7}]}",
        new string('[', 5000) + new string(']', 5000),
        "{\"comment\":\"" + new string('x', 2 * 1024 * 1024) + "\"}",
        // Immutable tag rules: selectors of the wrong shape, a broken pattern, a scope that is not a repository.
        "{\"tag_selectors\":[{\"kind\":\"doublestar\",\"decoration\":\"matches\",\"pattern\":\"[\"}],\"scope_selectors\":{\"repository\":[null]}}",
        "{\"id\":-1,\"priority\":\"x\",\"tag_selectors\":{},\"scope_selectors\":{\"repository\":{}},\"params\":[]}",
        "{\"tag_selectors\":[null],\"scope_selectors\":{\"project\":[]},\"params\":{\"a\":null}}",
    ];

    private const string JunkQuery =
        "?page=2147483647&page_size=100&q=%25ZZ,%3D,~,k%3D%5B~%5D&sort=,-,--x&scope=%2Fproject%2F99999999999999999999&relative=1&username=%00&entityname=%FF&public=2&with_detail=&project_name=%00&reference=%00&reference_id=-1&sort=used.storage%00";

    // Names that Kestrel refuses before routing (a NUL) or that the client resolves away (%2E%2E) test the transport, not these routes.
    private static readonly string[] Projects = ["library", "0", "-1", "99999999999999999999", "a%20b", "%C3%A9", "x%2Fy", new string('p', 400)];

    private static readonly string[] Users = ["0", "-1", "9223372036854775807"];

    // Under a repository, fewer projects: the names below multiply.
    private static readonly string[] RepositoryProjects = ["library", "-1"];

    private static readonly string[] Repositories = ["app", "a%252Fb", "A%2FB", "%252F%252F", new string('r', 300)];

    private static readonly string[] References = ["v1", "sha256:zz", "sha256:" + new string('0', 64), "a:b:c", new string('t', 200)];

    private static readonly string[] Tags = ["v1", "-x", new string('t', 200)];

    [Fact]
    public async Task Nothing_answers_500_and_every_refusal_is_harbors_error_body()
    {
        // Four routes at a time: what is asserted (no 500, Harbor's error body) must hold in any order and under concurrency.
        var problems = new System.Collections.Concurrent.ConcurrentBag<string>();
        var requests = from route in Routes
                       let method = new HttpMethod(route.Split(' ')[0])
                       from path in Paths(route.Split(' ')[1])
                       select (Method: method, Path: path);
        await Parallel.ForEachAsync(requests, new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (target, cancellation) =>
        {
            var (method, path) = target;
            foreach (var authorization in new[] { TestCredentials.AdminAuthorization, null })
            {
                var bodies = method == HttpMethod.Get || method == HttpMethod.Head || method == HttpMethod.Delete ? new string?[] { null } : Bodies;
                foreach (var body in bodies)
                {
                    foreach (var query in new[] { "", JunkQuery })
                    {
                        using var request = new HttpRequestMessage(method, path + query);
                        if (body is not null)
                        {
                            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
                        }

                        if (authorization is not null)
                        {
                            request.Headers.TryAddWithoutValidation("Authorization", authorization);
                        }

                        HttpResponseMessage response;
                        try
                        {
                            response = await fixture.Server.Anonymous.SendAsync(request, cancellation);
                        }
                        catch (HttpRequestException) when (body?.Length > 1024 * 1024)
                        {
                            continue;   // refused before the client finished sending: the transport's business, not a 500
                        }

                        using var _ = response;
                        var text = await response.Content.ReadAsStringAsync(cancellation);
                        var where = $"{method} {path}{query} body {body?[..Math.Min(body.Length, 30)]}: {(int)response.StatusCode}";
                        if ((int)response.StatusCode >= 500)
                        {
                            problems.Add($"{where} {text}");
                        }
                        else if ((int)response.StatusCode >= 400 && method != HttpMethod.Head
                            && !(text.StartsWith("{\"errors\":[{\"code\":", StringComparison.Ordinal) && response.Content.Headers.ContentType?.MediaType == "application/json"))
                        {
                            problems.Add($"{where} not Harbor's error body: {text[..Math.Min(text.Length, 100)]}");
                        }
                    }
                }
            }
        });

        Assert.True(problems.IsEmpty, string.Join("\n", problems.Distinct().Order(StringComparer.Ordinal).Take(40)));
    }

    [Theory]
    [InlineData("GET", "/api/v2.0/nosuch", 404, "NOT_FOUND")]
    [InlineData("GET", "/api/v2.0/projects/library/nosuch/deeper", 404, "NOT_FOUND")]
    [InlineData("POST", "/api/v2.0/nosuch", 404, "NOT_FOUND")]
    [InlineData("GET", "/api/v3.0/projects", 404, "NOT_FOUND")]
    [InlineData("PATCH", "/api/v2.0/projects", 405, "METHOD_NOT_ALLOWED")]
    [InlineData("POST", "/api/v2.0/systeminfo", 405, "METHOD_NOT_ALLOWED")]
    public async Task A_path_or_method_no_endpoint_serves_is_harbors_error_body(string method, string path, int status, string code)
    {
        using var response = await fixture.Server.SendAsync(new HttpMethod(method), path, TestCredentials.AdminAuthorization);
        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.StartsWith($"{{\"errors\":[{{\"code\":\"{code}\"", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
    }

    private static IEnumerable<string> Paths(string template)
    {
        string[] Values(string placeholder, string[] values) => template.Contains(placeholder, StringComparison.Ordinal) ? values : [""];
        var projects = template.Contains("{repository}", StringComparison.Ordinal) ? RepositoryProjects : Values("{project}", Projects);
        return from p in projects
               from u in Values("{user}", Users)
               from m in Values("{member}", Users)
               from r in Values("{repository}", Repositories)
               from a in Values("{reference}", References)
               from t in Values("{tag}", Tags)
               select template.Replace("{project}", p, StringComparison.Ordinal).Replace("{user}", u, StringComparison.Ordinal)
                   .Replace("{member}", m, StringComparison.Ordinal).Replace("{repository}", r, StringComparison.Ordinal)
                   .Replace("{reference}", a, StringComparison.Ordinal).Replace("{tag}", t, StringComparison.Ordinal);
    }
}
