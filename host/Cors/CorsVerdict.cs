namespace SsePluginHost.Cors;

/// <summary>What a mount's CORS rules make of a request.</summary>
internal enum CorsVerdict
{
    /// <summary>Not a cross-origin request (no <c>Origin</c>, or the host's own): nothing to add.</summary>
    SameOrigin,

    /// <summary>A cross-origin request from an allowed origin: served, with the CORS headers.</summary>
    Allowed,

    /// <summary>A preflight (<c>OPTIONS</c> with <c>Access-Control-Request-Method</c>) from an allowed origin: answered 204 with the CORS headers.</summary>
    Preflight,

    /// <summary>A request, or a preflight, from an origin that is not allowed: refused 403.</summary>
    Refused,
}
