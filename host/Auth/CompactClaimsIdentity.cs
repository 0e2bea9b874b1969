using System.Security.Claims;

namespace SsePluginHost.Auth;

/// <summary>
/// The identity of a validated token, kept for the life of a stream as the claims' strings alone
/// (type, value and value type of each, one issuer), and handed out as <see cref="Claim"/>s only
/// when asked for: an authenticated stream then holds a few hundred bytes less than a
/// <see cref="Claim"/> object per claim. Claims added later are kept as the base class keeps them.
/// </summary>
internal sealed class CompactClaimsIdentity : ClaimsIdentity
{
    private readonly string[] _parts;
    private readonly string _issuer;

    /// <param name="parts">Type, value and value type of each claim, in turn.</param>
    /// <param name="issuer">The issuer of every claim.</param>
    /// <param name="authenticationType">The authentication type (an identity with one is authenticated).</param>
    /// <param name="nameType">The claim type that names the user.</param>
    /// <param name="roleType">The claim type of roles.</param>
    public CompactClaimsIdentity(string[] parts, string issuer, string authenticationType, string nameType, string roleType)
        : base(authenticationType, nameType, roleType)
    {
        if (parts.Length % 3 != 0)
        {
            throw new ArgumentException("Claims come as type, value and value type.", nameof(parts));
        }

        _parts = parts;
        _issuer = issuer;
    }

    /// <summary>The claims: those of the token, then any added since.</summary>
    public override IEnumerable<Claim> Claims
    {
        get
        {
            for (int i = 0; i < _parts.Length; i += 3)
            {
                yield return new Claim(_parts[i], _parts[i + 1], _parts[i + 2], _issuer, _issuer, this);
            }

            foreach (Claim added in base.Claims)
            {
                yield return added;
            }
        }
    }

    /// <inheritdoc/>
    public override ClaimsIdentity Clone()
    {
        CompactClaimsIdentity copy = new(_parts, _issuer, AuthenticationType ?? "Jwt", NameClaimType, RoleClaimType);
        foreach (Claim added in base.Claims)
        {
            copy.AddClaim(added.Clone(copy));
        }

        return copy;
    }
}
