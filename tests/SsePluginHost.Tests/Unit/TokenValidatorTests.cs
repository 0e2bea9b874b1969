using System.Security.Cryptography;
using Microsoft.Extensions.Time.Testing;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using SsePluginHost.Auth;
using SsePluginHost.Configuration;
using SsePluginHost.Tests.Infrastructure;

namespace SsePluginHost.Tests.Unit;

/// <summary>
/// What a mount's token validation accepts and refuses, and the one line it says why; time is a
/// <see cref="FakeTimeProvider"/>, so expiry and the clock skew are exact.
/// </summary>
public sealed class TokenValidatorTests
{
    private static readonly DateTimeOffset Now = new(2026, 6, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly FakeTimeProvider _time = new(Now);

    private static JwtSettings Settings(Action<JwtSettings>? adjust = null)
    {
        JwtSettings settings = new()
        {
            SigningKeys = [TestTokens.Secret],
            Issuer = TestTokens.Issuer,
            Audience = TestTokens.Audience,
            RequiredClaims = new Dictionary<string, string> { ["scope"] = "events" },
        };
        adjust?.Invoke(settings);
        return settings;
    }

    private TokenValidator Validator(Action<JwtSettings>? adjust = null) => new(Settings(adjust), _time);

    private static string Token(string subject = "alice", TimeSpan? lifetime = null, string scope = "events", string secret = TestTokens.Secret,
        string issuer = TestTokens.Issuer, string audience = TestTokens.Audience, IDictionary<string, object>? claims = null) =>
        TestTokens.Create(subject, lifetime, scope, secret, issuer, audience, claims, Now.UtcDateTime);

    [Fact]
    public async Task A_valid_token_gives_its_subject_claims_and_expiry()
    {
        TokenCheck check = await Validator().ValidateAsync(Token(lifetime: TimeSpan.FromMinutes(10)));

        Credentials credentials = Assert.IsType<Credentials>(check.Credentials);
        Assert.Null(check.Failure);
        Assert.Equal("alice", credentials.User.Identity!.Name);
        Assert.True(credentials.User.Identity.IsAuthenticated);
        Assert.Equal("events", credentials.User.FindFirst("scope")!.Value);
        Assert.Equal(Now + TimeSpan.FromMinutes(10), credentials.ExpiresAt);
        Assert.Equal("alice", credentials.Subject);
    }

    [Theory]
    [InlineData("expired", "the token has expired")]
    [InlineData("forged", "the token's signature is not valid")]
    [InlineData("issuer", "the token is from another issuer")]
    [InlineData("audience", "the token is for another audience")]
    [InlineData("malformed", "the token is malformed")]
    [InlineData("garbage", "the token is malformed")]
    [InlineData("alg-none", "the token's signature is not valid")]
    public async Task A_bad_token_is_refused_401_with_why(string kind, string why)
    {
        string token = kind switch
        {
            "expired" => Token(lifetime: TimeSpan.FromMinutes(-1)),
            "forged" => Token(secret: TestTokens.OtherSecret),
            "issuer" => Token(issuer: "https://elsewhere.test"),
            "audience" => Token(audience: "someone-else"),
            "malformed" => string.Join('.', Token().Split('.')[0], "bm90IGpzb24", Token().Split('.')[2]),
            "garbage" => "not a token at all",
            _ => Unsigned(),
        };

        TokenCheck check = await Validator().ValidateAsync(token);

        Assert.Null(check.Credentials);
        Assert.False(check.Forbidden);
        Assert.StartsWith(why, check.Failure, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Expiry_is_by_the_host_clock_with_the_configured_skew()
    {
        string token = Token(lifetime: TimeSpan.FromMinutes(1));
        TokenValidator validator = Validator(s => s.ClockSkewSeconds = 30);

        _time.Advance(TimeSpan.FromSeconds(89));
        Assert.NotNull((await validator.ValidateAsync(token)).Credentials);

        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal("the token has expired", (await validator.ValidateAsync(token)).Failure);
    }

    [Fact]
    public async Task A_token_without_exp_is_refused_unless_expiration_is_not_required()
    {
        string token = new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(new SecurityTokenDescriptor
        {
            Claims = new Dictionary<string, object> { ["sub"] = "bob", ["scope"] = "events" },
            Issuer = TestTokens.Issuer,
            Audience = TestTokens.Audience,
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(System.Text.Encoding.UTF8.GetBytes(TestTokens.Secret)), SecurityAlgorithms.HmacSha256),
        });

        Assert.Equal("the token has no expiry (exp)", (await Validator().ValidateAsync(token)).Failure);
        TokenCheck lenient = await Validator(s => s.RequireExpiration = false).ValidateAsync(token);
        Assert.Null(lenient.Credentials!.ExpiresAt);
        Assert.Equal("bob", lenient.Credentials.Subject);
    }

    [Theory]
    [InlineData("events", true)]
    [InlineData("read events write", true)]
    [InlineData("event", false)]
    [InlineData("eventsx other", false)]
    public async Task A_required_claim_must_have_the_value_or_list_it_among_words(string scope, bool granted)
    {
        TokenCheck check = await Validator().ValidateAsync(Token(scope: scope));

        Assert.Equal(granted, check.Credentials is not null);
        if (!granted)
        {
            Assert.True(check.Forbidden);
            Assert.Equal("the token's claim 'scope' does not grant 'events'", check.Failure);
        }
    }

    [Fact]
    public async Task A_required_claim_may_be_one_value_of_a_json_array()
    {
        TokenValidator validator = Validator(s => s.RequiredClaims["rooms"] = "lobby");

        Assert.NotNull((await validator.ValidateAsync(Token(claims: new Dictionary<string, object> { ["rooms"] = new[] { "attic", "lobby" } }))).Credentials);
        Assert.True((await validator.ValidateAsync(Token(claims: new Dictionary<string, object> { ["rooms"] = new[] { "attic" } }))).Forbidden);
    }

    [Fact]
    public async Task Any_of_several_keys_will_do_so_that_keys_can_be_rotated()
    {
        TokenValidator validator = Validator(s => s.SigningKeys = [TestTokens.OtherSecret, JwtSettings.Base64Prefix + Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(TestTokens.Secret))]);

        Assert.NotNull((await validator.ValidateAsync(Token())).Credentials);
        Assert.NotNull((await validator.ValidateAsync(Token(secret: TestTokens.OtherSecret))).Credentials);
    }

    [Fact]
    public async Task An_RS256_token_is_checked_against_a_PEM_public_key()
    {
        using RSA rsa = RSA.Create(2048);
        string pem = rsa.ExportSubjectPublicKeyInfoPem();
        string token = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Claims = new Dictionary<string, object> { ["sub"] = "carol", ["scope"] = "events" },
            Issuer = TestTokens.Issuer,
            Audience = TestTokens.Audience,
            IssuedAt = Now.UtcDateTime,
            NotBefore = Now.UtcDateTime,
            Expires = Now.UtcDateTime.AddHours(1),
            SigningCredentials = new SigningCredentials(new RsaSecurityKey(rsa.ExportParameters(true)), SecurityAlgorithms.RsaSha256),
        });

        TokenCheck check = await Validator(s => s.SigningKeys = [pem]).ValidateAsync(token);

        Assert.Equal("carol", check.Credentials!.Subject);
        Assert.Equal("the token's signature is not valid", (await Validator().ValidateAsync(token)).Failure);
    }

    [Fact]
    public async Task A_token_longer_than_8_KiB_is_refused_unread()
    {
        TokenCheck check = await Validator().ValidateAsync(new string('a', TokenValidator.MaxTokenLength + 1));

        Assert.Equal("the token is too long", check.Failure);
    }

    [Fact]
    public async Task The_principal_keeps_copies_of_the_claims_not_the_token()
    {
        Credentials credentials = (await Validator().ValidateAsync(Token())).Credentials!;

        System.Security.Claims.ClaimsIdentity identity = Assert.IsType<CompactClaimsIdentity>(credentials.User.Identity);
        Assert.Null(identity.BootstrapContext);
        Assert.All(identity.Claims, claim => Assert.Equal(typeof(System.Security.Claims.Claim), claim.GetType()));
        Assert.Contains(identity.Claims, c => c.Type == "sub" && c.Value == "alice");
        Assert.Contains(identity.Claims, c => c.Type == "scope" && c.Value == "events");
    }

    [Fact]
    public async Task The_compact_identity_answers_as_a_claims_identity_does()
    {
        Credentials credentials = (await Validator().ValidateAsync(Token("dora", claims: new Dictionary<string, object> { ["role"] = new[] { "reader", "writer" } }))).Credentials!;
        System.Security.Claims.ClaimsPrincipal user = credentials.User;

        Assert.Equal("dora", user.Identity!.Name);
        Assert.True(user.Identity.IsAuthenticated);
        Assert.True(user.IsInRole("writer"));
        Assert.False(user.IsInRole("admin"));
        Assert.Equal("dora", user.FindFirst("sub")!.Value);
        Assert.Equal(2, user.FindAll("role").Count());
        Assert.True(user.HasClaim("scope", "events"));
        Assert.Equal(TestTokens.Issuer, user.FindFirst("sub")!.Issuer);
        Assert.Same(user.Identity, user.FindFirst("sub")!.Subject);

        System.Security.Claims.ClaimsIdentity identity = (System.Security.Claims.ClaimsIdentity)user.Identity;
        identity.AddClaim(new System.Security.Claims.Claim("added", "later"));
        Assert.Equal("later", user.FindFirst("added")!.Value);
        System.Security.Claims.ClaimsIdentity copy = identity.Clone();
        Assert.Equal(identity.Claims.Select(c => c.Type + "=" + c.Value), copy.Claims.Select(c => c.Type + "=" + c.Value));
        Assert.Equal("dora", copy.Name);
    }

    /// <summary>A token with <c>alg: none</c> and no signature, which must never pass.</summary>
    private static string Unsigned()
    {
        static string Part(string json) => System.Buffers.Text.Base64Url.EncodeToString(System.Text.Encoding.UTF8.GetBytes(json));
        long exp = (Now + TimeSpan.FromHours(1)).ToUnixTimeSeconds();
        return Part("""{"alg":"none","typ":"JWT"}""") + "." +
            Part($$"""{"sub":"mallory","scope":"events","iss":"{{TestTokens.Issuer}}","aud":"{{TestTokens.Audience}}","exp":{{exp}}}""") + ".";
    }
}
