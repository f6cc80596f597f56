using System.Net;
using System.Text.Json;
using Berth.Testing;

namespace Berth.Tests.Auth;

/// <summary>Portal sessions (<c>/c/login</c>, cookie <c>sid</c>) and Harbor's CSRF header on unsafe cookie requests.</summary>
public sealed class SessionTests : IAsyncLifetime
{
    private BerthServer _server = null!;

    public async ValueTask InitializeAsync()
    {
        _server = await BerthServer.StartAsync(new Dictionary<string, string?> { ["Auth:FailureDelay"] = "00:00:00" });
        await TestCredentials.AddUserAsync(_server.DataDirectory, "carol", "Carol-passw0rd");
    }

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();

    /// <summary>What a browser holds: cookies by name, and the last CSRF header it saw.</summary>
    private sealed class Browser
    {
        public Dictionary<string, string> Cookies { get; } = new(StringComparer.Ordinal);

        public string? Csrf { get; set; }

        public void Take(HttpResponseMessage response)
        {
            if (response.Headers.TryGetValues("X-Harbor-CSRF-Token", out var tokens))
            {
                Csrf = tokens.Single();
            }

            foreach (var cookie in response.Headers.TryGetValues("Set-Cookie", out var values) ? values : [])
            {
                var pair = cookie.Split(';')[0];
                var equals = pair.IndexOf('=', StringComparison.Ordinal);
                var (name, value) = (pair[..equals], pair[(equals + 1)..]);
                if (value.Length == 0 || cookie.Contains("expires=Thu, 01 Jan 1970", StringComparison.OrdinalIgnoreCase))
                {
                    Cookies.Remove(name);
                }
                else
                {
                    Cookies[name] = value;
                }
            }
        }
    }

    private async Task<HttpResponseMessage> SendAsync(Browser browser, HttpMethod method, string path, HttpContent? content = null,
        bool csrf = true, string? authorization = null)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        if (browser.Cookies.Count > 0)
        {
            request.Headers.Add("Cookie", string.Join("; ", browser.Cookies.Select(c => $"{c.Key}={c.Value}")));
        }

        if (csrf && browser.Csrf is not null)
        {
            request.Headers.Add("X-Harbor-CSRF-Token", browser.Csrf);
        }

        if (authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }

        var response = await _server.Anonymous.SendAsync(request);
        browser.Take(response);
        return response;
    }

    private static FormUrlEncodedContent Form(string principal, string password) =>
        new([new("principal", principal), new("password", password)]);

    private async Task<Browser> SignInAsync(string user = "carol", string password = "Carol-passw0rd")
    {
        var browser = new Browser();
        using (var first = await SendAsync(browser, HttpMethod.Post, "/c/login", Form(user, password)))
        {
            // No token yet: refused with 403, handing out the header and cookie to retry with, as Harbor's clients expect.
            Assert.Equal(HttpStatusCode.Forbidden, first.StatusCode);
            Assert.NotNull(browser.Csrf);
            Assert.Contains("_gorilla_csrf", browser.Cookies.Keys);
        }

        using var login = await SendAsync(browser, HttpMethod.Post, "/c/login", Form(user, password));
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        Assert.Contains("sid", browser.Cookies.Keys);
        var setCookie = login.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("sid=", StringComparison.Ordinal));
        Assert.Contains("httponly", setCookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", setCookie, StringComparison.OrdinalIgnoreCase);
        return browser;
    }

    [Fact]
    public async Task A_session_signs_in_and_unsafe_requests_need_the_CSRF_header()
    {
        var browser = await SignInAsync();
        using (var current = await SendAsync(browser, HttpMethod.Get, "/api/v2.0/users/current"))
        {
            Assert.Equal(HttpStatusCode.OK, current.StatusCode);
            using var json = JsonDocument.Parse(await current.Content.ReadAsStringAsync());
            Assert.Equal("carol", json.RootElement.GetProperty("username").GetString());
            Assert.True(current.Headers.Contains("X-Harbor-CSRF-Token"));
        }

        var body = new StringContent("""{"project_name":"carols"}""", System.Text.Encoding.UTF8, "application/json");
        using (var withoutToken = await SendAsync(browser, HttpMethod.Post, "/api/v2.0/projects", body, csrf: false))
        {
            Assert.Equal(HttpStatusCode.Forbidden, withoutToken.StatusCode);
            using var json = JsonDocument.Parse(await withoutToken.Content.ReadAsStringAsync());
            Assert.Equal("FORBIDDEN", json.RootElement.GetProperty("errors")[0].GetProperty("code").GetString());
        }

        using (var forged = new HttpRequestMessage(HttpMethod.Post, "/api/v2.0/projects"))
        {
            forged.Content = new StringContent("""{"project_name":"carols"}""", System.Text.Encoding.UTF8, "application/json");
            forged.Headers.Add("Cookie", string.Join("; ", browser.Cookies.Select(c => $"{c.Key}={c.Value}")));
            forged.Headers.Add("X-Harbor-CSRF-Token", Convert.ToBase64String(new byte[64]));
            using var response = await _server.Anonymous.SendAsync(forged);
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        }

        using (var created = await SendAsync(browser, HttpMethod.Post, "/api/v2.0/projects",
            new StringContent("""{"project_name":"carols"}""", System.Text.Encoding.UTF8, "application/json")))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }

        // The token is masked afresh on every response, and any of them is accepted.
        var before = browser.Csrf;
        using (var again = await SendAsync(browser, HttpMethod.Get, "/api/v2.0/projects/carols"))
        {
            Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        }

        Assert.NotEqual(before, browser.Csrf);
        using var update = await SendAsync(browser, HttpMethod.Put, "/api/v2.0/projects/carols",
            new StringContent("""{"metadata":{"public":"true"}}""", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, update.StatusCode);
    }

    [Fact]
    public async Task A_CSRF_cookie_made_elsewhere_is_refused()
    {
        var browser = await SignInAsync();
        browser.Cookies["_gorilla_csrf"] = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
        browser.Csrf = Convert.ToBase64String(new byte[64]); // masks the all-zero token of that cookie
        using var response = await SendAsync(browser, HttpMethod.Post, "/api/v2.0/projects",
            new StringContent("""{"project_name":"planted"}""", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task Basic_requests_need_no_CSRF_token()
    {
        using var response = await _server.Client.PostAsync("/api/v2.0/projects",
            new StringContent("""{"project_name":"basicproject"}""", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.False(response.Headers.Contains("X-Harbor-CSRF-Token"));
    }

    [Fact]
    public async Task Logging_out_ends_the_session()
    {
        var browser = await SignInAsync();
        var sid = browser.Cookies["sid"];
        using (var logout = await SendAsync(browser, HttpMethod.Get, "/c/log_out"))
        {
            Assert.Equal(HttpStatusCode.OK, logout.StatusCode);
        }

        Assert.DoesNotContain("sid", browser.Cookies.Keys);
        browser.Cookies["sid"] = sid; // a copy of the cookie kept from before is worth nothing now
        using var current = await SendAsync(browser, HttpMethod.Get, "/api/v2.0/users/current");
        Assert.Equal(HttpStatusCode.Unauthorized, current.StatusCode);
    }

    [Fact]
    public async Task A_password_change_ends_the_users_sessions()
    {
        var browser = await SignInAsync();
        await using (var db = DataDirectory.Open(_server.DataDirectory))
        {
            Assert.Equal(1, db.Sessions.Count(s => s.UserId == db.Users.Single(u => u.Username == "carol").Id));
        }

        var id = await UserIdAsync("carol");
        using (var change = await SendAsync(browser, HttpMethod.Put, $"/api/v2.0/users/{id}/password",
            new StringContent("""{"old_password":"Carol-passw0rd","new_password":"Carol-passw0rd-2"}""", System.Text.Encoding.UTF8, "application/json")))
        {
            Assert.Equal(HttpStatusCode.OK, change.StatusCode);
        }

        using var current = await SendAsync(browser, HttpMethod.Get, "/api/v2.0/users/current");
        Assert.Equal(HttpStatusCode.Unauthorized, current.StatusCode);
    }

    [Fact]
    public async Task Wrong_passwords_robots_and_bad_forms_do_not_sign_in()
    {
        var browser = new Browser();
        using (var prime = await SendAsync(browser, HttpMethod.Get, "/c/log_out"))
        {
            Assert.NotNull(browser.Csrf);
        }

        using (var wrong = await SendAsync(browser, HttpMethod.Post, "/c/login", Form("carol", "nope")))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
            Assert.DoesNotContain("sid", browser.Cookies.Keys);
        }

        using (var unknown = await SendAsync(browser, HttpMethod.Post, "/c/login", Form("nobody", "nope")))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, unknown.StatusCode);
        }

        using (var robot = await _server.SendAsync(HttpMethod.Post, "/api/v2.0/robots", TestCredentials.AdminAuthorization, """
            {"name":"portal","level":"project","permissions":[{"kind":"project","namespace":"team","access":[{"resource":"repository","action":"pull"}]}]}
            """))
        {
            using var json = JsonDocument.Parse(await robot.Content.ReadAsStringAsync());
            using var asRobot = await SendAsync(browser, HttpMethod.Post, "/c/login",
                Form(json.RootElement.GetProperty("name").GetString()!, json.RootElement.GetProperty("secret").GetString()!));
            Assert.Equal(HttpStatusCode.Unauthorized, asRobot.StatusCode);
        }

        using (var empty = await SendAsync(browser, HttpMethod.Post, "/c/login", Form("", "")))
        {
            Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);
        }

        using var json2 = await SendAsync(browser, HttpMethod.Post, "/c/login",
            new StringContent("""{"principal":"carol","password":"Carol-passw0rd"}""", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, json2.StatusCode);
        Assert.DoesNotContain("sid", browser.Cookies.Keys);
    }

    [Fact]
    public async Task An_expired_or_unknown_session_is_anonymous()
    {
        var browser = await SignInAsync();
        await using (var db = DataDirectory.Open(_server.DataDirectory))
        {
            foreach (var session in db.Sessions)
            {
                session.ExpiresAt = DateTime.UtcNow.AddSeconds(-1);
            }

            await db.SaveChangesAsync();
        }

        using (var expired = await SendAsync(browser, HttpMethod.Get, "/api/v2.0/users/current"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, expired.StatusCode);
        }

        browser.Cookies["sid"] = "made-up";
        using (var unknown = await SendAsync(browser, HttpMethod.Get, "/api/v2.0/users/current"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, unknown.StatusCode);
        }

        using var projects = await SendAsync(browser, HttpMethod.Get, "/api/v2.0/projects");
        Assert.Equal(HttpStatusCode.OK, projects.StatusCode); // anonymous still lists public projects
    }

    [Fact]
    public async Task Using_a_session_keeps_it_alive_unless_asked_not_to()
    {
        var browser = await SignInAsync();
        DateTime Expiry()
        {
            using var db = DataDirectory.Open(_server.DataDirectory);
            return db.Sessions.Single().ExpiresAt;
        }

        await using (var db = DataDirectory.Open(_server.DataDirectory))
        {
            var session = db.Sessions.Single();
            session.ExpiresAt = DateTime.UtcNow.AddMinutes(10);
            await db.SaveChangesAsync();
        }

        var shortened = Expiry();
        using (var polling = new HttpRequestMessage(HttpMethod.Get, "/api/v2.0/users/current"))
        {
            polling.Headers.Add("Cookie", $"sid={browser.Cookies["sid"]}");
            polling.Headers.Add("X-Harbor-No-Session-Renewal", "true");
            using var response = await _server.Anonymous.SendAsync(polling);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.Equal(shortened, Expiry());
        using (var used = await SendAsync(browser, HttpMethod.Get, "/api/v2.0/users/current"))
        {
            Assert.Equal(HttpStatusCode.OK, used.StatusCode);
        }

        Assert.True(Expiry() > DateTime.UtcNow.AddMinutes(55));
    }

    private async Task<long> UserIdAsync(string name)
    {
        await using var db = DataDirectory.Open(_server.DataDirectory);
        return db.Users.Single(u => u.Username == name).Id;
    }
}
