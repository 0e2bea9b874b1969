namespace SsePluginHost.Cluster;

/// <summary>
/// Sessions as every host that shares a backplane sees them: where a session that is not on this
/// host is, and how to reach it there (send it an event, hand it a plugin request, take it over
/// for a client that reconnected here). Without a backplane there are no other hosts and
/// <see cref="Enabled"/> is false.
/// </summary>
internal interface IClusterSessions
{
    /// <summary>Whether sessions are shared with other hosts.</summary>
    bool Enabled { get; }

    /// <summary>This host's id among the others, or null without a backplane.</summary>
    string? NodeId { get; }

    /// <summary>A session opened on this host (fire and forget).</summary>
    void Opened(string mountPath, string sessionId);

    /// <summary>A session of this host ended (fire and forget).</summary>
    void Closed(string mountPath, string sessionId);

    /// <summary>Where a session that is not on this host is, or null when no host has it (or its host is gone longer than its grace period).</summary>
    Task<RemoteSession?> LocateAsync(string sessionId, CancellationToken cancellationToken);

    /// <summary>Sends a framed event to a session on another host, or, while that host is gone, keeps it for whoever takes the session over.</summary>
    Task<RemoteDelivery> SendAsync(RemoteSession session, byte[] frame, CancellationToken cancellationToken);

    /// <summary>Has the session's host answer a plugin request (its plugin has the session's state); null when it did not answer in time.</summary>
    Task<ForwardedResponse?> ForwardAsync(RemoteSession session, ForwardedRequest request, CancellationToken cancellationToken);

    /// <summary>
    /// Takes a session over for a client that reconnected to this host: its host lets it go (or
    /// has died), and the events sent to it alone that it has not had are returned, oldest first.
    /// </summary>
    Task<IReadOnlyList<byte[]>> TakeOverAsync(RemoteSession session, CancellationToken cancellationToken);

    /// <summary>
    /// The clients of a mount on every live host together: <paramref name="local"/> (this host's
    /// now) and the others' as they last said; null without a backplane.
    /// </summary>
    int? ClusterClients(string mountPath, int local);

    /// <summary>The clients of a mount on each live host, or null without a backplane.</summary>
    Task<IReadOnlyList<NodeClients>?> CountAsync(string mountPath, CancellationToken cancellationToken);
}
