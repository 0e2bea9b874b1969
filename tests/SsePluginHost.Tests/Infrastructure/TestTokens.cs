using System.Security.Claims;
using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace SsePluginHost.Tests.Infrastructure;

/// <summary>JSON Web Tokens for tests, signed with a fixed shared secret (HS256), as an identity provider would issue them.</summary>
internal static class TestTokens
{
    /// <summary>The shared secret the test hosts are configured with (text, 40 bytes).</summary>
    public const string Secret = "test-secret-of-forty-bytes-for-hs256-ok!";

    /// <summary>Another secret: a token signed with it is forged as far as the hosts know.</summary>
    public const string OtherSecret = "another-secret-the-host-does-not-know-!!";

    public const string Issuer = "https://login.test";

    public const string Audience = "sse-tests";

    /// <summary>A mount's <c>Auth</c> section that takes these tokens from the header, the cookie <c>sse_token</c> and tickets.</summary>
    public const string AuthJson = $$"""
        { "Mode": "Jwt", "CookieName": "sse_token",
          "Jwt": { "SigningKeys": [ "{{Secret}}" ], "Issuer": "{{Issuer}}", "Audience": "{{Audience}}", "RequiredClaims": { "scope": "events" } } }
        """;

    /// <summary>A token for <paramref name="subject"/> with scope <c>events</c>, valid for <paramref name="lifetime"/> (one hour when not given).</summary>
    public static string Create(string subject = "alice", TimeSpan? lifetime = null, string scope = "events", string secret = Secret,
        string issuer = Issuer, string audience = Audience, IDictionary<string, object>? claims = null, DateTime? now = null)
    {
        DateTime issued = now ?? DateTime.UtcNow;
        TimeSpan life = lifetime ?? TimeSpan.FromHours(1);
        Dictionary<string, object> all = new(claims ?? new Dictionary<string, object>()) { ["scope"] = scope };
        SecurityTokenDescriptor descriptor = new()
        {
            Subject = new ClaimsIdentity([new Claim("sub", subject)]),
            Claims = all,
            Issuer = issuer,
            Audience = audience,
            IssuedAt = issued.AddMinutes(-5),
            NotBefore = issued.AddMinutes(-5),
            Expires = issued + life,
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(secret)), SecurityAlgorithms.HmacSha256),
        };
        return new JsonWebTokenHandler().CreateToken(descriptor);
    }

    /// <summary>A token that expired a minute ago (beyond the hosts' 30 s clock skew).</summary>
    public static string Expired(string subject = "alice") => Create(subject, TimeSpan.FromMinutes(-1));
}
