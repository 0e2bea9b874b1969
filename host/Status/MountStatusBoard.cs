using SsePluginHost.Mounts;

namespace SsePluginHost.Status;

/// <summary>The one read model of the mounts' status, in path order, that every report renders.</summary>
internal sealed class MountStatusBoard(MountTable table, Cluster.IClusterSessions? cluster = null)
{
    /// <summary>Every mount's status now, ordered by path.</summary>
    public IReadOnlyList<MountStatus> Read() =>
        [.. table.Mounts.OrderBy(m => m.Path, StringComparer.Ordinal).Select(m => Read(m) with { ClusterClients = cluster?.ClusterClients(m.Path, m.ClientCount) })];

    /// <summary>One mount's status now.</summary>
    public static MountStatus Read(Mount mount)
    {
        MountState state = mount.Service is not null ? MountState.Serving
            : mount.IsLoading ? MountState.Starting
            : MountState.Failed;
        return new MountStatus(
            mount.Path,
            mount.Definition.Plugin,
            state,
            mount.Plugin?.TypeName,
            mount.Plugin?.Version,
            state == MountState.Serving ? null : mount.UnavailableReason,
            mount.ClientCount,
            mount.StreamCount,
            mount.SlowConsumerCount,
            mount.Channel.HistoryCount,
            mount.Callbacks.Pending);
    }
}
