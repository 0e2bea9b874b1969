using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Cors.Infrastructure;
using Microsoft.Extensions.Options;
using SsePluginHost.Admission;
using SsePluginHost.Auth;
using SsePluginHost.Configuration;
using SsePluginHost.Cors;

namespace SsePluginHost.Ingress;

/// <summary>
/// Who may use the publish API: with a token configured, whoever sends
/// <c>Authorization: Bearer TOKEN</c> (compared in constant time), or a JWT whose claim names
/// the mount (<see cref="PublishOptions.Jwt"/>); without either, only callers on loopback or on
/// the Unix socket. Either way, a page on another origin only where <c>Publish:Cors</c> allows it.
/// </summary>
internal sealed partial class PublishAccess
{
    private readonly byte[]? _tokenHash;
    private readonly TokenValidator? _jwt;
    private readonly string _jwtClaim;
    private readonly CorsRules _cors;
    private readonly ILogger<PublishAccess> _logger;

    public PublishAccess(IOptions<SseHostOptions> options, ILogger<PublishAccess> logger, TimeProvider? time = null, ICorsService? cors = null)
    {
        PublishOptions publish = options.Value.Publish;
        string? token = publish.Token;
        _tokenHash = string.IsNullOrEmpty(token) ? null : SHA256.HashData(Encoding.UTF8.GetBytes(token));
        _jwt = publish.AcceptsJwt ? new TokenValidator(publish.Jwt, time ?? TimeProvider.System) : null;
        _jwtClaim = publish.JwtClaim;
        _cors = new CorsRules(publish.Cors, cors);
        _logger = logger;
    }

    /// <summary>Whether a token (static or JWT) is configured: then loopback is not trusted on its own.</summary>
    public bool HasToken => _tokenHash is not null || _jwt is not null;

    /// <summary>Whether a connection comes from this machine: loopback, or a Unix socket (no IP).</summary>
    public static bool IsLocal(ConnectionInfo connection)
    {
        IPAddress? remote = connection.RemoteIpAddress;
        if (remote is null)
        {
            return true;
        }

        if (remote.IsIPv4MappedToIPv6)
        {
            remote = remote.MapToIPv4();
        }

        return IPAddress.IsLoopback(remote);
    }

    /// <summary>
    /// Checks a request for the API call that names <paramref name="mount"/> (a mount path, or
    /// null for a call about the whole host); returns null when it may proceed, or the status and
    /// message to refuse it with (204 and no message for a preflight that is answered).
    /// </summary>
    public async ValueTask<(int Status, string Message)?> CheckAsync(HttpContext context, string? mount)
    {
        string remote = context.Connection.RemoteIpAddress?.ToString() ?? "unix socket";
        CorsCheck cors = _cors.Check(new HttpAdmissionRequest(context.Request));
        foreach (KeyValuePair<string, string> field in cors.Headers)
        {
            context.Response.Headers.Append(field.Key, field.Value);
        }

        switch (cors.Verdict)
        {
            case CorsVerdict.Refused:
                // Without this, any web page open in a browser on this machine could call the API as loopback.
                LogRefused(_logger, context.Request.Method, context.Request.Path, remote, $"it came from a page on {cors.Origin}");
                return (StatusCodes.Status403Forbidden, $"The publish API does not answer pages from {cors.Origin} (SseHost:Publish:Cors:AllowedOrigins).");
            case CorsVerdict.Preflight:
                return (StatusCodes.Status204NoContent, string.Empty);
            default:
                break;
        }

        if (!HasToken)
        {
            // Loopback is trusted only when it really is the caller: a request a proxy on this
            // machine passed on says so in its headers (ASP.NET Core's forwarded-headers
            // middleware takes X-Forwarded-For off the requests of a known proxy, after putting
            // the client's address in their place).
            if (ForwardedBy(context.Request.Headers) is { } via)
            {
                LogRefused(_logger, context.Request.Method, context.Request.Path, remote, $"it came through a proxy ({via}) and no token is configured");
                return (StatusCodes.Status403Forbidden,
                    $"The publish API does not answer requests that came through a proxy ({via}) until a token is configured (SseHost:Publish:Token).");
            }

            if (IsLocal(context.Connection))
            {
                return null;
            }

            LogRefused(_logger, context.Request.Method, context.Request.Path, remote, "no token is configured, so only loopback and the Unix socket may call");
            return (StatusCodes.Status403Forbidden,
                "The publish API answers only loopback and the Unix socket until a token is configured (SseHost:Publish:Token).");
        }

        string header = context.Request.Headers.Authorization.ToString();
        const string scheme = "Bearer ";
        if (!header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
        {
            LogRefused(_logger, context.Request.Method, context.Request.Path, remote, "no bearer token");
            return (StatusCodes.Status401Unauthorized, "The publish API needs Authorization: Bearer <token>.");
        }

        string given = header[scheme.Length..].Trim();
        if (_tokenHash is not null && CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(given)), _tokenHash))
        {
            return null;
        }

        if (_jwt is not null && given.Contains('.', StringComparison.Ordinal))
        {
            TokenCheck check = await _jwt.ValidateAsync(given).ConfigureAwait(false);
            if (check.Credentials is not { } credentials)
            {
                LogRefused(_logger, context.Request.Method, context.Request.Path, remote, check.Failure ?? "token refused");
                return (StatusCodes.Status401Unauthorized, $"The bearer token is not valid: {check.Failure}.");
            }

            if (Grants(credentials, mount))
            {
                return null;
            }

            LogRefused(_logger, context.Request.Method, context.Request.Path, remote, $"the token's {_jwtClaim} does not name {mount ?? "*"}");
            return (StatusCodes.Status403Forbidden, mount is null
                ? $"The token's claim {_jwtClaim} does not grant the whole API (\"*\")."
                : $"The token's claim {_jwtClaim} does not grant {mount} (nor \"*\").");
        }

        LogRefused(_logger, context.Request.Method, context.Request.Path, remote, "wrong token");
        return (StatusCodes.Status401Unauthorized, "The bearer token is not valid.");
    }

    /// <summary>Whether a publish JWT's claim names the mount (or <c>*</c>, which grants every call).</summary>
    private bool Grants(Credentials credentials, string? mount)
    {
        System.Security.Claims.ClaimsIdentity identity = (System.Security.Claims.ClaimsIdentity)credentials.User.Identity!;
        return TokenValidator.HasClaim(identity, _jwtClaim, "*")
            || (mount is not null && TokenValidator.HasClaim(identity, _jwtClaim, mount));
    }

    /// <summary>The header that says a proxy passed the request on, or null.</summary>
    private static string? ForwardedBy(IHeaderDictionary headers) =>
        headers.ContainsKey("Forwarded") ? "Forwarded"
        : headers.ContainsKey("X-Forwarded-For") ? "X-Forwarded-For"
        : null;

    [LoggerMessage(EventId = 50, Level = LogLevel.Warning, Message = "Publish API: refused {Method} {Path} from {Remote}: {Why}")]
    private static partial void LogRefused(ILogger logger, string method, string path, string remote, string why);
}
