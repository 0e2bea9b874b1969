using System.Security.Cryptography;
using Microsoft.Extensions.Configuration;
using SsePluginHost.Configuration;
using SsePluginHost.Tests.Infrastructure;

namespace SsePluginHost.Tests.Unit;

/// <summary>A mount's <c>Auth</c> settings are checked with messages that name the setting; a mount's own <c>Auth</c> replaces the defaults'.</summary>
public sealed class AuthSettingsValidationTests
{
    private static AuthSettings Jwt(params string[] keys) => new() { Mode = AuthMode.Jwt, Jwt = new JwtSettings { SigningKeys = keys } };

    [Fact]
    public void Anonymous_needs_nothing_and_a_good_jwt_setting_passes()
    {
        Assert.Null(new AuthSettings().Validate());
        Assert.Null(Jwt(TestTokens.Secret).Validate());
    }

    [Fact]
    public void Jwt_without_keys_is_refused()
    {
        Assert.Contains("Auth:Jwt:SigningKeys must list at least one key", Jwt().Validate(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("short secret", "Auth:Jwt:SigningKeys:0 is a shared secret of 12 bytes: it must have at least 32 (256 bits)")]
    [InlineData("base64:%%%", "Auth:Jwt:SigningKeys:0 starts with 'base64:' but what follows is not base64")]
    [InlineData("base64:AAAA", "Auth:Jwt:SigningKeys:0 is a shared secret of 3 bytes")]
    [InlineData("-----BEGIN PUBLIC KEY-----\nnot a key\n-----END PUBLIC KEY-----", "Auth:Jwt:SigningKeys:0 is not a PEM public key of RSA or EC that can be read")]
    [InlineData(" ", "Auth:Jwt:SigningKeys:0 is empty")]
    public void A_key_that_cannot_be_used_is_named_with_why(string key, string expected)
    {
        Assert.Contains(expected, Jwt(key).Validate(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_private_key_is_refused_so_that_it_does_not_sit_in_the_config()
    {
        using RSA rsa = RSA.Create(2048);
        Assert.Contains("is a private key", Jwt(rsa.ExportRSAPrivateKeyPem()).Validate(), StringComparison.Ordinal);
        Assert.Null(Jwt(rsa.ExportSubjectPublicKeyInfoPem()).Validate());
        using ECDsa ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        Assert.Null(Jwt(ec.ExportSubjectPublicKeyInfoPem()).Validate());
    }

    [Fact]
    public void A_token_must_have_a_way_in_and_a_cookie_name_must_be_one()
    {
        AuthSettings nowhere = Jwt(TestTokens.Secret);
        nowhere.HeaderToken = false;
        Assert.Contains("set HeaderToken, CookieName or QueryToken", nowhere.Validate(), StringComparison.Ordinal);

        AuthSettings badCookie = Jwt(TestTokens.Secret);
        badCookie.CookieName = "my token";
        Assert.Contains("Auth:CookieName 'my token' is not a cookie name", badCookie.Validate(), StringComparison.Ordinal);
    }

    [Fact]
    public void Skew_and_required_claims_are_checked()
    {
        AuthSettings settings = Jwt(TestTokens.Secret);
        settings.Jwt.ClockSkewSeconds = 3600;
        settings.Jwt.RequiredClaims["scope"] = "";
        string problems = settings.Validate()!;
        Assert.Contains("Auth:Jwt:ClockSkewSeconds must be between 0 and 600, not 3600", problems, StringComparison.Ordinal);
        Assert.Contains("Auth:Jwt:RequiredClaims:scope must give the value", problems, StringComparison.Ordinal);
    }

    [Fact]
    public void A_mount_with_bad_auth_is_an_error_of_that_mount_only()
    {
        IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["SseHost:Services:/good:Plugin"] = "Clock",
            ["SseHost:Services:/bad:Plugin"] = "Clock",
            ["SseHost:Services:/bad:Auth:Mode"] = "Jwt",
            ["SseHost:Services:/worse:Plugin"] = "Clock",
            ["SseHost:Services:/worse:Auth:Mode"] = "Kerberos",
        }).Build();

        (IReadOnlyList<MountDefinition> mounts, IReadOnlyList<MountDefinitionError> errors) = MountDefinitionReader.Read(configuration);

        Assert.Equal("/good", Assert.Single(mounts).Path);
        Assert.Contains(errors, e => e.Path == "/bad" && e.Message.Contains("Auth:Jwt:SigningKeys must list at least one key", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Path == "/worse" && e.Message.Contains("Kerberos", StringComparison.Ordinal));
    }

    [Fact]
    public void A_mount_s_own_auth_replaces_the_defaults_as_a_whole()
    {
        IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["SseHost:MountDefaults:Auth:Mode"] = "Jwt",
            ["SseHost:MountDefaults:Auth:CookieName"] = "site",
            ["SseHost:MountDefaults:Auth:Jwt:SigningKeys:0"] = TestTokens.Secret,
            ["SseHost:Services:/inherits:Plugin"] = "Clock",
            ["SseHost:Services:/own:Plugin"] = "Clock",
            ["SseHost:Services:/own:Auth:Mode"] = "Jwt",
            ["SseHost:Services:/own:Auth:Jwt:SigningKeys:0"] = TestTokens.OtherSecret,
            ["SseHost:Services:/open:Plugin"] = "Clock",
            ["SseHost:Services:/open:Auth:Mode"] = "Anonymous",
        }).Build();

        (IReadOnlyList<MountDefinition> mounts, IReadOnlyList<MountDefinitionError> errors) = MountDefinitionReader.Read(configuration);

        Assert.Empty(errors);
        AuthSettings inherits = mounts.Single(m => m.Path == "/inherits").Delivery.Auth;
        AuthSettings own = mounts.Single(m => m.Path == "/own").Delivery.Auth;
        Assert.Equal(AuthMode.Jwt, inherits.Mode);
        Assert.Equal("site", inherits.CookieName);
        Assert.Equal([TestTokens.Secret], inherits.Jwt.SigningKeys);
        Assert.Equal([TestTokens.OtherSecret], own.Jwt.SigningKeys);
        Assert.Null(own.CookieName);
        Assert.Equal(AuthMode.Anonymous, mounts.Single(m => m.Path == "/open").Delivery.Auth.Mode);
    }
}
