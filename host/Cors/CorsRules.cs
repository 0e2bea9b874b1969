using Microsoft.AspNetCore.Cors.Infrastructure;
using SsePluginHost.Admission;
using SsePluginHost.Configuration;

namespace SsePluginHost.Cors;

/// <summary>
/// One mount's (or the publish API's) CORS rules, evaluated by ASP.NET Core's CORS service with a
/// policy made from <see cref="CorsSettings"/>, the same way whichever way the request arrived.
/// </summary>
/// <remarks>
/// A request is cross-origin when it carries an <c>Origin</c> whose host and port are not the
/// request's <c>Host</c> (behind a proxy, the proxy must pass the client's <c>Host</c> on). The
/// headers a preflight may ask for are those an EventSource or a page sends here:
/// <c>Last-Event-ID</c>, <c>Authorization</c>, <c>Content-Type</c>, <c>X-Session-Id</c>,
/// <c>Cache-Control</c>, <c>Accept</c>.
/// </remarks>
internal sealed class CorsRules
{
    private static readonly string[] RequestHeaders = ["Last-Event-ID", "Authorization", "Content-Type", "X-Session-Id", "Cache-Control", "Accept"];

    private readonly ICorsService? _cors;
    private readonly CorsPolicy _policy;

    /// <summary>Makes the rules; <paramref name="cors"/> is needed when the settings allow other origins.</summary>
    public CorsRules(CorsSettings settings, ICorsService? cors)
    {
        ArgumentNullException.ThrowIfNull(settings);
        _cors = settings.AllowsOthers ? cors ?? throw new ArgumentNullException(nameof(cors)) : null;
        CorsPolicyBuilder builder = new();
        if (settings.AllowsAny)
        {
            builder.AllowAnyOrigin();
        }
        else
        {
            builder.WithOrigins(settings.AllowedOrigins);
        }

        if (settings.AllowCredentials)
        {
            builder.AllowCredentials();
        }

        _policy = builder.AllowAnyMethod().WithHeaders(RequestHeaders).SetPreflightMaxAge(TimeSpan.FromSeconds(settings.PreflightMaxAgeSeconds)).Build();
    }

    /// <summary>The policy, for ASP.NET Core's CORS middleware (the publish API).</summary>
    public CorsPolicy Policy => _policy;

    /// <summary>Whether a request comes from a page on another origin than the host it asks.</summary>
    public static bool IsCrossOrigin(string? origin, string? host)
    {
        if (origin is null)
        {
            return false;
        }

        int authority = origin.IndexOf("://", StringComparison.Ordinal);
        return authority < 0 || host is null
            || !origin.AsSpan(authority + 3).Equals(host.AsSpan().Trim(), StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>The verdict on a request, with the headers its answer is to carry.</summary>
    public CorsCheck Check(IAdmissionRequest request)
    {
        string? origin = request.GetHeader("Origin");
        if (!IsCrossOrigin(origin, request.GetHeader("Host")))
        {
            return CorsCheck.SameOrigin;
        }

        if (_cors is null)
        {
            // No other origin is allowed: nothing to evaluate.
            return new CorsCheck(CorsVerdict.Refused, [], origin);
        }

        // ASP.NET Core's CORS service reads and writes an HttpContext: a small one of the few fields it needs.
        DefaultHttpContext context = new();
        context.Request.Method = request.Method;
        context.Request.Headers.Origin = origin;
        if (request.GetHeader("Access-Control-Request-Method") is { } method)
        {
            context.Request.Headers.AccessControlRequestMethod = method;
        }

        if (request.GetHeader("Access-Control-Request-Headers") is { } headers)
        {
            context.Request.Headers.AccessControlRequestHeaders = headers;
        }

        CorsResult result = _cors.EvaluatePolicy(context, _policy);
        bool preflight = result.IsPreflightRequest;
        if (!result.IsOriginAllowed || (preflight && !PreflightAllowed(result, context.Request.Headers.AccessControlRequestHeaders.ToString())))
        {
            return new CorsCheck(CorsVerdict.Refused, [], origin);
        }

        _cors.ApplyResult(result, context.Response);
        List<KeyValuePair<string, string>> answer = [];
        foreach (KeyValuePair<string, Microsoft.Extensions.Primitives.StringValues> header in context.Response.Headers)
        {
            answer.Add(new(header.Key, header.Value.ToString()));
        }

        return new CorsCheck(preflight ? CorsVerdict.Preflight : CorsVerdict.Allowed, answer, origin);
    }

    /// <summary>Whether every header a preflight asks for is one the policy allows.</summary>
    private static bool PreflightAllowed(CorsResult result, string asked)
    {
        foreach (string header in asked.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!result.AllowedHeaders.Contains(header, StringComparer.OrdinalIgnoreCase))
            {
                return false;
            }
        }

        return true;
    }
}
