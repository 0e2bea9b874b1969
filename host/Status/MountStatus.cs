namespace SsePluginHost.Status;

/// <summary>
/// One mount as the host reports it, read at one moment: what the console's <c>list</c>,
/// <c>GET /</c> and <c>GET /_host/mounts</c> each render (and later metrics and a dashboard).
/// </summary>
/// <param name="Path">The mount path.</param>
/// <param name="Plugin">The plugin name from the mount's entry.</param>
/// <param name="State">Serving, starting (its constructor is still running), or failed.</param>
/// <param name="Type">The service type's full name, once loaded.</param>
/// <param name="Version">The plugin assembly's version, once loaded.</param>
/// <param name="Error">Why it is not serving, or <see langword="null"/>.</param>
/// <param name="Clients">Open sessions, connected or away within their grace period.</param>
/// <param name="Streams">Streams being written now.</param>
/// <param name="SlowConsumers">Clients dropped because their queue was full.</param>
/// <param name="HistoryCount">Events the channel's history holds for replay.</param>
/// <param name="PendingCallbacks">Plugin callbacks waiting their turn.</param>
/// <param name="ClusterClients">With a backplane, the clients of every live host together (as each last said); otherwise <see langword="null"/>.</param>
internal sealed record MountStatus(
    string Path,
    string Plugin,
    MountState State,
    string? Type,
    string? Version,
    string? Error,
    int Clients,
    int Streams,
    long SlowConsumers,
    int HistoryCount,
    int PendingCallbacks,
    int? ClusterClients = null);
