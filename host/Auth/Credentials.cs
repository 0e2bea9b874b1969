using System.Security.Claims;

namespace SsePluginHost.Auth;

/// <summary>What admission established of who a request comes from.</summary>
/// <param name="User">The principal of the validated token, its claims copied (the token itself is not kept).</param>
/// <param name="ExpiresAt">When the token expires (its <c>exp</c>), or <see langword="null"/> for a token without one.</param>
/// <param name="Ticket">The stream ticket the request came with, or <see langword="null"/>.</param>
/// <param name="Source">Where the token came from.</param>
internal sealed record Credentials(ClaimsPrincipal User, DateTimeOffset? ExpiresAt, StreamTicket? Ticket = null, TokenSource Source = TokenSource.Other)
{
    /// <summary>
    /// Whether the plugin is not to be shown a header: the token is the host's to check and keep
    /// out of plugins' logs (its claims are in <see cref="User"/>), and it need not be held for
    /// the life of a stream.
    /// </summary>
    public bool Hides(string header) => Source == TokenSource.Header && header.Equals("Authorization", StringComparison.OrdinalIgnoreCase);

    /// <summary>Whether the plugin is not to be shown a query parameter (the token in <c>access_token</c>).</summary>
    public bool HidesQuery(string name) => Source == TokenSource.Query && name.Equals("access_token", StringComparison.Ordinal);

    /// <summary>Who the credentials name: the identity's name claim, else <c>sub</c>.</summary>
    public string? Subject => User.Identity?.Name ?? User.FindFirst("sub")?.Value;

    /// <summary>Whether the credentials are still good at <paramref name="now"/>.</summary>
    public bool IsValidAt(DateTimeOffset now) => ExpiresAt is not { } expires || now < expires;
}
