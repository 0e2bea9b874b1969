namespace SsePluginHost.Cluster;

/// <summary>Without a backplane: there are no other hosts, so no session is anywhere else.</summary>
internal sealed class NoClusterSessions : IClusterSessions
{
    public bool Enabled => false;

    public string? NodeId => null;

    public void Opened(string mountPath, string sessionId)
    {
    }

    public void Closed(string mountPath, string sessionId)
    {
    }

    public Task<RemoteSession?> LocateAsync(string sessionId, CancellationToken cancellationToken) => Task.FromResult<RemoteSession?>(null);

    public Task<RemoteDelivery> SendAsync(RemoteSession session, byte[] frame, CancellationToken cancellationToken) => Task.FromResult(RemoteDelivery.Gone);

    public Task<ForwardedResponse?> ForwardAsync(RemoteSession session, ForwardedRequest request, CancellationToken cancellationToken) =>
        Task.FromResult<ForwardedResponse?>(null);

    public Task<IReadOnlyList<byte[]>> TakeOverAsync(RemoteSession session, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<byte[]>>([]);

    public int? ClusterClients(string mountPath, int local) => null;

    public Task<IReadOnlyList<NodeClients>?> CountAsync(string mountPath, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<NodeClients>?>(null);
}
