namespace SsePluginHost.Cluster;

/// <summary>A session on another host.</summary>
/// <param name="SessionId">Its id.</param>
/// <param name="MountPath">The mount it belongs to.</param>
/// <param name="NodeId">The host it is on.</param>
/// <param name="NodeAlive">Whether that host is alive (it sent a heartbeat lately).</param>
internal sealed record RemoteSession(string SessionId, string MountPath, string NodeId, bool NodeAlive);
