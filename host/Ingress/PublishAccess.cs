using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using SsePluginHost.Configuration;

namespace SsePluginHost.Ingress;

/// <summary>
/// Who may use the publish API: with a token configured, whoever sends
/// <c>Authorization: Bearer TOKEN</c> (compared in constant time); without one, only callers on
/// loopback or on the Unix socket.
/// </summary>
internal sealed partial class PublishAccess
{
    private readonly byte[]? _tokenHash;
    private readonly ILogger<PublishAccess> _logger;

    public PublishAccess(IOptions<SseHostOptions> options, ILogger<PublishAccess> logger)
    {
        string? token = options.Value.Publish.Token;
        _tokenHash = string.IsNullOrEmpty(token) ? null : SHA256.HashData(Encoding.UTF8.GetBytes(token));
        _logger = logger;
    }

    /// <summary>Whether a token is configured.</summary>
    public bool HasToken => _tokenHash is not null;

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

    /// <summary>Checks a request; returns null when it may proceed, or the status and message to refuse it with.</summary>
    public (int Status, string Message)? Check(HttpContext context)
    {
        string remote = context.Connection.RemoteIpAddress?.ToString() ?? "unix socket";
        if (_tokenHash is null)
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

        byte[] given = SHA256.HashData(Encoding.UTF8.GetBytes(header[scheme.Length..].Trim()));
        if (!CryptographicOperations.FixedTimeEquals(given, _tokenHash))
        {
            LogRefused(_logger, context.Request.Method, context.Request.Path, remote, "wrong token");
            return (StatusCodes.Status401Unauthorized, "The bearer token is not valid.");
        }

        return null;
    }

    /// <summary>The header that says a proxy passed the request on, or null.</summary>
    private static string? ForwardedBy(IHeaderDictionary headers) =>
        headers.ContainsKey("Forwarded") ? "Forwarded"
        : headers.ContainsKey("X-Forwarded-For") ? "X-Forwarded-For"
        : null;

    [LoggerMessage(EventId = 50, Level = LogLevel.Warning, Message = "Publish API: refused {Method} {Path} from {Remote}: {Why}")]
    private static partial void LogRefused(ILogger logger, string method, string path, string remote, string why);
}
