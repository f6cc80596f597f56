using System.Security.Cryptography;
using System.Text;
using Berth.Auth;
using Berth.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Berth.Tests.Auth;

/// <summary>Forged and tampered tokens, each of which validation must refuse.</summary>
public sealed class TokenAttackTests : IAsyncLifetime
{
    private BerthServer _server = null!;
    private TokenService _tokens = null!;
    private RsaSecurityKey _key = null!;

    public async ValueTask InitializeAsync()
    {
        _server = await BerthServer.StartAsync(AuthTestData.Settings());
        _tokens = _server.Services.GetRequiredService<TokenService>();
        _key = await _server.Services.GetRequiredService<SigningKeyStore>().SigningKeyAsync(CancellationToken.None);
    }

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();

    private static readonly TokenAccess[] PullA = [new("repository", "team/a", ["pull"])];

    private static string Forge(SecurityKey key, string algorithm, DateTime? notBefore = null, DateTime? expires = null,
        string audience = "harbor-registry", string issuer = "harbor-token-issuer", IDictionary<string, object>? header = null)
    {
        var now = DateTime.UtcNow;
        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = audience,
            IssuedAt = notBefore ?? now,
            NotBefore = notBefore ?? now,
            Expires = expires ?? now.AddMinutes(30),
            SigningCredentials = new SigningCredentials(key, algorithm),
            AdditionalHeaderClaims = header,
            Claims = new Dictionary<string, object>
            {
                ["sub"] = "mallory",
                ["access"] = new List<object> { new Dictionary<string, object> { ["type"] = "repository", ["name"] = "team/a", ["actions"] = new List<string> { "pull", "push", "delete" } } },
            },
        });
    }

    private async Task AssertRefusedAsync(string token) => Assert.Null(await _tokens.ValidateAsync(token, CancellationToken.None));

    [Fact]
    public async Task A_genuine_token_validates_and_grants_only_what_it_names()
    {
        var issued = await _tokens.IssueAsync(new Subject(SubjectKind.User, 1, "alice", false), PullA, CancellationToken.None);
        var token = await _tokens.ValidateAsync(issued.Token, CancellationToken.None);
        Assert.Equal(["pull"], token!.RepositoryActions("team/a"));
        Assert.DoesNotContain("push", token.RepositoryActions("team/a"));    // a pull token cannot push
        Assert.Empty(token.RepositoryActions("team/b"));                   // nor reach another repository
        Assert.Empty(token.RepositoryActions("team/a/b"));
    }

    [Fact]
    public async Task Signed_by_another_key() =>
        await AssertRefusedAsync(Forge(new RsaSecurityKey(RSA.Create(2048)) { KeyId = _key.KeyId }, SecurityAlgorithms.RsaSha256));

    [Fact]
    public async Task Alg_none()
    {
        static string B64(string json) => Base64UrlEncoder.Encode(Encoding.UTF8.GetBytes(json));
        var exp = DateTimeOffset.UtcNow.AddMinutes(30).ToUnixTimeSeconds();
        var payload = $$"""{"iss":"harbor-token-issuer","aud":"harbor-registry","sub":"mallory","exp":{{exp}},"nbf":0,"iat":0,"access":[{"type":"repository","name":"team/a","actions":["push"]}]}""";
        await AssertRefusedAsync(B64("""{"alg":"none","typ":"JWT"}""") + "." + B64(payload) + ".");
        await AssertRefusedAsync(B64("""{"alg":"none","typ":"JWT"}""") + "." + B64(payload));
    }

    [Fact]
    public async Task Hs256_keyed_with_the_public_key()
    {
        var publicKey = _key.Rsa!.ExportSubjectPublicKeyInfo();
        await AssertRefusedAsync(Forge(new SymmetricSecurityKey(publicKey) { KeyId = _key.KeyId }, SecurityAlgorithms.HmacSha256));
        var pem = Encoding.UTF8.GetBytes(_key.Rsa.ExportSubjectPublicKeyInfoPem());
        await AssertRefusedAsync(Forge(new SymmetricSecurityKey(pem) { KeyId = _key.KeyId }, SecurityAlgorithms.HmacSha256));
    }

    [Fact]
    public async Task A_key_carried_in_the_header_is_never_trusted()
    {
        var attacker = new RsaSecurityKey(RSA.Create(2048)) { KeyId = _key.KeyId };
        var jwk = JsonWebKeyConverter.ConvertFromRSASecurityKey(new RsaSecurityKey(attacker.Rsa.ExportParameters(false)));
        var header = new Dictionary<string, object>
        {
            ["jwk"] = new Dictionary<string, object> { ["kty"] = "RSA", ["n"] = jwk.N, ["e"] = jwk.E, ["kid"] = _key.KeyId },
            ["jku"] = "http://127.0.0.1:1/keys",
            ["x5u"] = "http://127.0.0.1:1/cert",
        };
        await AssertRefusedAsync(Forge(attacker, SecurityAlgorithms.RsaSha256, header: header));
    }

    [Fact]
    public async Task Expired_and_not_yet_valid()
    {
        var now = DateTime.UtcNow;
        await AssertRefusedAsync(Forge(_key, SecurityAlgorithms.RsaSha256, notBefore: now.AddHours(-2), expires: now.AddMinutes(-5)));
        await AssertRefusedAsync(Forge(_key, SecurityAlgorithms.RsaSha256, notBefore: now.AddMinutes(10), expires: now.AddMinutes(40)));
        // Within the 60 s skew both ways, a token still counts.
        Assert.NotNull(await _tokens.ValidateAsync(Forge(_key, SecurityAlgorithms.RsaSha256, notBefore: now.AddSeconds(20)), CancellationToken.None));
    }

    [Fact]
    public async Task Wrong_audience_or_issuer()
    {
        await AssertRefusedAsync(Forge(_key, SecurityAlgorithms.RsaSha256, audience: "another-registry"));
        await AssertRefusedAsync(Forge(_key, SecurityAlgorithms.RsaSha256, issuer: "someone-else"));
    }

    [Fact]
    public async Task A_payload_edited_after_signing()
    {
        var issued = await _tokens.IssueAsync(new Subject(SubjectKind.User, 1, "alice", false), PullA, CancellationToken.None);
        var parts = issued.Token.Split('.');
        var payload = Encoding.UTF8.GetString(Base64UrlEncoder.DecodeBytes(parts[1])).Replace("[\"pull\"]", "[\"pull\",\"push\"]", StringComparison.Ordinal);
        Assert.Contains("push", payload, StringComparison.Ordinal);
        await AssertRefusedAsync(parts[0] + "." + Base64UrlEncoder.Encode(Encoding.UTF8.GetBytes(payload)) + "." + parts[2]);
    }

    [Theory]
    [InlineData("")]
    [InlineData("not.a.token")]
    [InlineData("a.b")]
    [InlineData("eyJhbGciOiJSUzI1NiJ9.eyJ4Ijp0cnVlfQ.AAAA")]
    public async Task Garbage(string token) => await AssertRefusedAsync(token);
}
