namespace SsePluginHost.Cluster;

/// <summary>What became of an event sent to a session on another host.</summary>
internal enum RemoteDelivery
{
    /// <summary>Its host queued it for the session.</summary>
    Delivered,

    /// <summary>Its host is gone: the event waits (for the session's grace period) for the host that takes the session over.</summary>
    Queued,

    /// <summary>The session is no longer there.</summary>
    Gone,

    /// <summary>Its host did not answer in time.</summary>
    Unreachable,
}
