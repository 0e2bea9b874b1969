using System.Security.Cryptography;
using Microsoft.IdentityModel.Tokens;

namespace SsePluginHost.Configuration;

/// <summary>
/// How a JSON Web Token is validated (the checks of ASP.NET Core's JwtBearer handler, by the same
/// <c>Microsoft.IdentityModel</c> library): its signature by one of <see cref="SigningKeys"/>,
/// its issuer and audience when given, its lifetime, and <see cref="RequiredClaims"/>.
/// </summary>
public sealed class JwtSettings
{
    /// <summary>The prefix of a signing key given as base64 (<c>"base64:..."</c>).</summary>
    public const string Base64Prefix = "base64:";

    /// <summary>
    /// The keys a token may be signed with, any of them (so that keys can be rotated): a PEM
    /// public key (<c>-----BEGIN PUBLIC KEY-----</c>, RSA or EC) for RS*/PS*/ES* tokens, or a
    /// shared secret of at least 32 bytes for HS* tokens, as <c>"base64:..."</c> or as text.
    /// </summary>
    public string[] SigningKeys { get; set; } = [];

    /// <summary>The issuer a token must name in <c>iss</c>; not checked when empty.</summary>
    public string? Issuer { get; set; }

    /// <summary>The audience a token must name in <c>aud</c>; not checked when empty.</summary>
    public string? Audience { get; set; }

    /// <summary>
    /// Claims a token must carry, by name and value (<c>{ "scope": "chat" }</c>): the claim must
    /// have that value, or list it (a JSON array, or words separated by spaces as in <c>scope</c>).
    /// </summary>
    public Dictionary<string, string> RequiredClaims { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The claim that names the user (<see cref="System.Security.Principal.IIdentity.Name"/>).</summary>
    public string NameClaim { get; set; } = "sub";

    /// <summary>Whether a token must carry an expiry (<c>exp</c>); a stream ends when its token expires.</summary>
    public bool RequireExpiration { get; set; } = true;

    /// <summary>How far the host's clock may be from the issuer's, in seconds, when checking <c>exp</c> and <c>nbf</c>.</summary>
    public double ClockSkewSeconds { get; set; } = 30;

    /// <summary>A copy, for a mount's entry to override.</summary>
    public JwtSettings Clone() => new()
    {
        SigningKeys = [.. SigningKeys],
        Issuer = Issuer,
        Audience = Audience,
        RequiredClaims = new Dictionary<string, string>(RequiredClaims, StringComparer.Ordinal),
        NameClaim = NameClaim,
        RequireExpiration = RequireExpiration,
        ClockSkewSeconds = ClockSkewSeconds,
    };

    /// <summary>Says what is wrong, naming the setting under <paramref name="prefix"/>, or returns null.</summary>
    public string? Validate(string prefix)
    {
        List<string> problems = [];
        if (SigningKeys.Length == 0)
        {
            problems.Add($"{prefix}SigningKeys must list at least one key (a PEM public key, or a shared secret of 32 bytes or more)");
        }

        for (int i = 0; i < SigningKeys.Length; i++)
        {
            if (TryCreateKey(SigningKeys[i], out _) is { } keyProblem)
            {
                problems.Add($"{prefix}SigningKeys:{i} {keyProblem}");
            }
        }

        if (!(ClockSkewSeconds is >= 0 and <= 600))
        {
            problems.Add($"{prefix}ClockSkewSeconds must be between 0 and 600, not {ClockSkewSeconds}");
        }

        if (string.IsNullOrWhiteSpace(NameClaim))
        {
            problems.Add($"{prefix}NameClaim must name a claim, such as \"sub\" or \"name\"");
        }

        foreach (KeyValuePair<string, string> claim in RequiredClaims)
        {
            if (string.IsNullOrWhiteSpace(claim.Value))
            {
                problems.Add($"{prefix}RequiredClaims:{claim.Key} must give the value the claim must have");
            }
        }

        return problems.Count == 0 ? null : string.Join("; ", problems);
    }

    /// <summary>The validation parameters these settings make (keys parsed once).</summary>
    public TokenValidationParameters CreateParameters()
    {
        List<SecurityKey> keys = [];
        foreach (string text in SigningKeys)
        {
            if (TryCreateKey(text, out SecurityKey? key) is { } problem)
            {
                throw new InvalidOperationException(problem);
            }

            keys.Add(key!);
        }

        return new TokenValidationParameters
        {
            IssuerSigningKeys = keys,
            ValidateIssuerSigningKey = true,
            ValidateIssuer = !string.IsNullOrEmpty(Issuer),
            ValidIssuer = string.IsNullOrEmpty(Issuer) ? null : Issuer,
            ValidateAudience = !string.IsNullOrEmpty(Audience),
            ValidAudience = string.IsNullOrEmpty(Audience) ? null : Audience,
            ValidateLifetime = true,
            RequireExpirationTime = RequireExpiration,
            RequireSignedTokens = true,
            ClockSkew = TimeSpan.FromSeconds(ClockSkewSeconds),
            NameClaimType = NameClaim,
            RoleClaimType = "role",
        };
    }

    /// <summary>Makes a key of one entry of <see cref="SigningKeys"/>; returns what is wrong with it, or null.</summary>
    private static string? TryCreateKey(string? text, out SecurityKey? key)
    {
        key = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            return "is empty";
        }

        text = text.Trim();
        if (text.StartsWith("-----BEGIN", StringComparison.Ordinal))
        {
            if (text.Contains("PRIVATE KEY", StringComparison.Ordinal))
            {
                return "is a private key: give the public key only (-----BEGIN PUBLIC KEY-----)";
            }

            try
            {
                RSA rsa = RSA.Create();
                rsa.ImportFromPem(text);
                key = new RsaSecurityKey(rsa);
                return null;
            }
            catch (Exception ex) when (ex is ArgumentException or CryptographicException)
            {
                // Not RSA: EC, perhaps.
            }

            try
            {
                ECDsa ec = ECDsa.Create();
                ec.ImportFromPem(text);
                key = new ECDsaSecurityKey(ec);
                return null;
            }
            catch (Exception ex) when (ex is ArgumentException or CryptographicException)
            {
                return "is not a PEM public key of RSA or EC that can be read";
            }
        }

        byte[] secret;
        if (text.StartsWith(Base64Prefix, StringComparison.Ordinal))
        {
            try
            {
                secret = Convert.FromBase64String(text[Base64Prefix.Length..]);
            }
            catch (FormatException)
            {
                return "starts with 'base64:' but what follows is not base64";
            }
        }
        else
        {
            secret = System.Text.Encoding.UTF8.GetBytes(text);
        }

        if (secret.Length < 32)
        {
            return $"is a shared secret of {secret.Length} bytes: it must have at least 32 (256 bits)";
        }

        key = new SymmetricSecurityKey(secret);
        return null;
    }
}
