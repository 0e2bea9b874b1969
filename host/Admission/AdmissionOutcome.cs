namespace SsePluginHost.Admission;

/// <summary>What admission made of a request.</summary>
internal enum AdmissionOutcome
{
    /// <summary>No mount serves the path (or it is the host's own, under <c>/_host</c>): not admission's to answer.</summary>
    NotAMount,

    /// <summary>An event-stream request, admitted with a stream slot taken: the plugin decides next.</summary>
    Stream,

    /// <summary>Any other request to a mount, admitted: the plugin answers it.</summary>
    Request,

    /// <summary>The mount cannot serve now (its plugin failed or is still starting, or the host is stopping): 503.</summary>
    Unavailable,

    /// <summary>An event stream that cannot be served now (over a limit, or the host is stopping): told to retry later.</summary>
    RetryLater,

    /// <summary>Refused by one of the mount's policies, with its status and reason.</summary>
    Refused,

    /// <summary>A CORS preflight from an allowed origin: answered 204 with the CORS headers, the plugin not asked.</summary>
    Preflight,
}
