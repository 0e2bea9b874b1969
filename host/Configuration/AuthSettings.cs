namespace SsePluginHost.Configuration;

/// <summary>
/// Who may use a mount, and how a client proves it (<c>"Auth"</c> in a mount's entry or in
/// <c>SseHost:MountDefaults</c>; a mount's own <c>Auth</c> replaces the defaults' as a whole).
/// </summary>
/// <remarks>
/// A browser's <c>EventSource</c> cannot send headers. It can send a cookie
/// (<see cref="CookieName"/>), or a short-lived ticket that the page gets with its token from
/// <c>POST /_host/tickets</c> (<see cref="Tickets"/>), so that a long-lived token never appears
/// in a URL; <see cref="QueryToken"/> (<c>?access_token=</c>) is off unless asked for.
/// </remarks>
public sealed class AuthSettings
{
    /// <summary>Anonymous (the default) or Jwt.</summary>
    public AuthMode Mode { get; set; } = AuthMode.Anonymous;

    /// <summary>How a token is validated, when <see cref="Mode"/> is Jwt.</summary>
    public JwtSettings Jwt { get; set; } = new();

    /// <summary>Whether the token may come in <c>Authorization: Bearer TOKEN</c>.</summary>
    public bool HeaderToken { get; set; } = true;

    /// <summary>The cookie the token may come in, or empty for none.</summary>
    public string? CookieName { get; set; }

    /// <summary>Whether the token may come in the query as <c>access_token</c>, where proxies and logs see it.</summary>
    public bool QueryToken { get; set; }

    /// <summary>Whether <c>POST /_host/tickets</c> gives stream tickets for this mount (<c>?ticket=</c>).</summary>
    public bool Tickets { get; set; } = true;

    /// <summary>Whether a request needs credentials at all.</summary>
    public bool IsRequired => Mode != AuthMode.Anonymous;

    /// <summary>A copy, for a mount's entry to override.</summary>
    public AuthSettings Clone() => new()
    {
        Mode = Mode,
        Jwt = Jwt.Clone(),
        HeaderToken = HeaderToken,
        CookieName = CookieName,
        QueryToken = QueryToken,
        Tickets = Tickets,
    };

    /// <summary>Says what is wrong, naming the setting, or returns null.</summary>
    public string? Validate()
    {
        if (Mode == AuthMode.Anonymous)
        {
            return null;
        }

        List<string> problems = [];
        if (Jwt.Validate("Auth:Jwt:") is { } jwtProblem)
        {
            problems.Add(jwtProblem);
        }

        if (!HeaderToken && string.IsNullOrEmpty(CookieName) && !QueryToken)
        {
            problems.Add("Auth: with Mode Jwt a token must be able to arrive somewhere: set HeaderToken, CookieName or QueryToken");
        }

        if (!string.IsNullOrEmpty(CookieName) && CookieName.AsSpan().IndexOfAny("()<>@,;:\\\"/[]?={} \t\r\n") >= 0)
        {
            problems.Add($"Auth:CookieName '{CookieName}' is not a cookie name (no spaces, separators or quotes)");
        }

        return problems.Count == 0 ? null : string.Join("; ", problems);
    }
}
