using System.Security.Claims;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using SsePluginHost.Configuration;

namespace SsePluginHost.Auth;

/// <summary>
/// Validates JSON Web Tokens by one <see cref="JwtSettings"/>, with the handler ASP.NET Core's
/// JwtBearer uses (<see cref="JsonWebTokenHandler"/>): signature, issuer, audience, lifetime;
/// then the required claims. The keys are read once, when the validator is made.
/// </summary>
internal sealed class TokenValidator
{
    /// <summary>The longest token looked at; anything longer is refused unread.</summary>
    public const int MaxTokenLength = 8 * 1024;

    private readonly JsonWebTokenHandler _handler = new() { MapInboundClaims = false, MaximumTokenSizeInBytes = MaxTokenLength };
    private readonly TokenValidationParameters _parameters;
    private readonly KeyValuePair<string, string>[] _required;

    // Claim types and issuers repeat across tokens: one string each, shared by every stream's
    // principal, rather than one per stream (at most this many are kept).
    private const int MaxSharedNames = 256;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> _names = new(StringComparer.Ordinal);

    public TokenValidator(JwtSettings settings, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(settings);
        _parameters = settings.CreateParameters();
        // Lifetime by the host's clock (a fake one in tests), with the settings' skew.
        bool requireExpiration = settings.RequireExpiration;
        _parameters.LifetimeValidator = (notBefore, expires, _, parameters) =>
        {
            DateTime now = time.GetUtcNow().UtcDateTime;
            if (expires is null)
            {
                return requireExpiration ? throw new SecurityTokenNoExpirationException("no exp") : true;
            }

            if (expires.Value.ToUniversalTime() + parameters.ClockSkew <= now)
            {
                throw new SecurityTokenExpiredException("expired") { Expires = expires.Value };
            }

            return notBefore is not { } nbf || nbf.ToUniversalTime() - parameters.ClockSkew <= now
                ? true
                : throw new SecurityTokenNotYetValidException("not yet valid") { NotBefore = nbf };
        };
        _required = [.. settings.RequiredClaims];
    }

    /// <summary>Validates a token; the claims are checked only once the token itself passed.</summary>
    public async ValueTask<TokenCheck> ValidateAsync(string token)
    {
        if (token.Length > MaxTokenLength)
        {
            return TokenCheck.Refused("the token is too long");
        }

        TokenValidationResult result = await _handler.ValidateTokenAsync(token, _parameters).ConfigureAwait(false);
        if (!result.IsValid)
        {
            return TokenCheck.Refused(Describe(result.Exception));
        }

        ClaimsIdentity identity = result.ClaimsIdentity;
        foreach (KeyValuePair<string, string> required in _required)
        {
            if (!HasClaim(identity, required.Key, required.Value))
            {
                return TokenCheck.NotGranted($"the token's claim '{required.Key}' does not grant '{required.Value}'");
            }
        }

        // A principal of the claims' strings alone: the token, its raw text and parsed parts are
        // not kept for the life of a stream, nor a Claim object per claim.
        List<string> parts = [];
        string issuer = ClaimsIdentity.DefaultIssuer;
        foreach (Claim claim in identity.Claims)
        {
            parts.Add(Shared(claim.Type));
            parts.Add(claim.Value);
            parts.Add(Shared(claim.ValueType));
            issuer = Shared(claim.Issuer);
        }

        CompactClaimsIdentity copy = new([.. parts], issuer, identity.AuthenticationType ?? "Jwt", _parameters.NameClaimType, _parameters.RoleClaimType);

        DateTime validTo = result.SecurityToken.ValidTo;
        DateTimeOffset? expires = validTo == DateTime.MinValue ? null : new DateTimeOffset(DateTime.SpecifyKind(validTo, DateTimeKind.Utc));
        return new TokenCheck(new Credentials(new ClaimsPrincipal(copy), expires), null);
    }

    /// <summary>The one instance of a claim type or issuer kept here, or the string itself once enough are kept.</summary>
    private string Shared(string name) =>
        _names.TryGetValue(name, out string? shared) ? shared
        : _names.Count < MaxSharedNames ? _names.GetOrAdd(name, name)
        : name;

    /// <summary>Whether a claim has the value, or lists it (several claims of the name, or words separated by spaces).</summary>
    public static bool HasClaim(ClaimsIdentity identity, string name, string value)
    {
        foreach (Claim claim in identity.FindAll(name))
        {
            if (string.Equals(claim.Value, value, StringComparison.Ordinal))
            {
                return true;
            }

            foreach (string word in claim.Value.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                if (string.Equals(word, value, StringComparison.Ordinal))
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>Why a token failed, in a few words for the client (nothing of the keys).</summary>
    private static string Describe(Exception? exception) => exception switch
    {
        SecurityTokenExpiredException => "the token has expired",
        SecurityTokenNotYetValidException => "the token is not valid yet",
        SecurityTokenNoExpirationException => "the token has no expiry (exp)",
        SecurityTokenInvalidAudienceException => "the token is for another audience",
        SecurityTokenInvalidIssuerException => "the token is from another issuer",
        SecurityTokenSignatureKeyNotFoundException or SecurityTokenInvalidSignatureException => "the token's signature is not valid",
        SecurityTokenMalformedException or ArgumentException => "the token is malformed",
        SecurityTokenInvalidLifetimeException => "the token's lifetime is not valid",
        _ => "the token is not valid",
    };
}
