using System.Security.Claims;

namespace SsePluginHost.Auth;

/// <summary>What admission established of who a request comes from.</summary>
/// <param name="User">The principal of the validated token, its claims copied (the token itself is not kept).</param>
/// <param name="ExpiresAt">When the token expires (its <c>exp</c>), or <see langword="null"/> for a token without one.</param>
/// <param name="Ticket">The stream ticket the request came with, or <see langword="null"/>.</param>
internal sealed record Credentials(ClaimsPrincipal User, DateTimeOffset? ExpiresAt, StreamTicket? Ticket = null)
{
    /// <summary>Who the credentials name: the identity's name claim, else <c>sub</c>.</summary>
    public string? Subject => User.Identity?.Name ?? User.FindFirst("sub")?.Value;

    /// <summary>Whether the credentials are still good at <paramref name="now"/>.</summary>
    public bool IsValidAt(DateTimeOffset now) => ExpiresAt is not { } expires || now < expires;
}
