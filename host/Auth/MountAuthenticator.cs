using Microsoft.Net.Http.Headers;
using SsePluginHost.Admission;
using SsePluginHost.Configuration;

namespace SsePluginHost.Auth;

/// <summary>
/// A mount's authentication (<see cref="AuthSettings"/>): finds the token where the mount allows
/// it (the <c>Authorization</c> header, a cookie, <c>access_token</c>) or a stream ticket, and
/// validates it. A request without valid credentials is refused, never served as anonymous.
/// </summary>
internal sealed class MountAuthenticator
{
    private readonly AuthSettings _settings;
    private readonly TokenValidator _validator;
    private readonly string _ways;

    public MountAuthenticator(AuthSettings settings, TimeProvider time)
    {
        _settings = settings;
        _validator = new TokenValidator(settings.Jwt, time);
        List<string> ways = [];
        if (settings.HeaderToken)
        {
            ways.Add("Authorization: Bearer TOKEN");
        }

        if (!string.IsNullOrEmpty(settings.CookieName))
        {
            ways.Add($"the cookie {settings.CookieName}");
        }

        if (settings.QueryToken)
        {
            ways.Add("?access_token=TOKEN");
        }

        if (settings.Tickets)
        {
            ways.Add("?ticket= (from POST /_host/tickets) for a stream");
        }

        _ways = string.Join(", ", ways);
    }

    /// <summary>Whether streams of this mount may open with a ticket.</summary>
    public bool TakesTickets => _settings.Tickets;

    /// <summary>
    /// Authenticates a request: a stream request by its ticket when it has one, otherwise by its
    /// token. <paramref name="sessionExists"/> tells whether a session of the mount still exists.
    /// </summary>
    public async ValueTask<AuthOutcome> AuthenticateAsync(IAdmissionRequest request, string mountPath, bool stream, StreamTickets tickets,
        Func<string, bool> sessionExists)
    {
        if (stream && _settings.Tickets && request.GetQuery("ticket") is { } ticket)
        {
            string? wanted = request.GetQuery("session") ?? request.GetHeader("X-Session-Id");
            TicketRedemption redeemed = tickets.Redeem(ticket, mountPath, wanted, sessionExists);
            return redeemed.Refusal is { } ticketRefusal
                ? new AuthOutcome(null, ticketRefusal with { Headers = Challenge("invalid_token") })
                : new AuthOutcome(redeemed.Credentials, null);
        }

        return await AuthenticateByTokenAsync(request, mountPath).ConfigureAwait(false);
    }

    /// <summary>Authenticates a request by its token alone (tickets are for streams only).</summary>
    public async ValueTask<AuthOutcome> AuthenticateByTokenAsync(IAdmissionRequest request, string mountPath)
    {
        if (FindToken(request, out TokenSource source) is not { } token)
        {
            return new AuthOutcome(null, new AdmissionRefusal(StatusCodes.Status401Unauthorized,
                $"{mountPath} needs credentials: send a token ({_ways}).", Headers: Challenge(null)));
        }

        TokenCheck check = await _validator.ValidateAsync(token).ConfigureAwait(false);
        if (check.Credentials is { } credentials)
        {
            return new AuthOutcome(credentials with { Source = source }, null);
        }

        return check.Forbidden
            ? new AuthOutcome(null, new AdmissionRefusal(StatusCodes.Status403Forbidden, $"Not allowed at {mountPath}: {check.Failure}.",
                Headers: Challenge("insufficient_scope")))
            : new AuthOutcome(null, new AdmissionRefusal(StatusCodes.Status401Unauthorized, $"Token refused: {check.Failure}.",
                Headers: Challenge("invalid_token")));
    }

    /// <summary>The token, from the first place the mount allows it that has one.</summary>
    private string? FindToken(IAdmissionRequest request, out TokenSource source)
    {
        source = TokenSource.Header;
        if (_settings.HeaderToken && request.GetHeader("Authorization") is { } authorization
            && authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            string token = authorization[7..].Trim();
            if (token.Length > 0)
            {
                return token;
            }
        }

        source = TokenSource.Cookie;
        if (!string.IsNullOrEmpty(_settings.CookieName) && request.GetHeader("Cookie") is { } cookies
            && CookieHeaderValue.TryParseList([cookies], out IList<CookieHeaderValue>? parsed))
        {
            foreach (CookieHeaderValue cookie in parsed)
            {
                if (cookie.Name.Equals(_settings.CookieName, StringComparison.Ordinal) && cookie.Value.Length > 0)
                {
                    return Uri.UnescapeDataString(cookie.Value.ToString());
                }
            }
        }

        source = TokenSource.Query;
        return _settings.QueryToken && request.GetQuery("access_token") is { Length: > 0 } query ? query : null;
    }

    /// <summary>The <c>WWW-Authenticate</c> challenge of a refusal (RFC 6750), with its error code if any.</summary>
    private static KeyValuePair<string, string>[] Challenge(string? error) =>
        [new("WWW-Authenticate", error is null ? "Bearer" : $"Bearer error=\"{error}\"")];
}
