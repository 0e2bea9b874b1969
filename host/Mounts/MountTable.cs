using System.Collections.Frozen;
using Microsoft.Extensions.Primitives;

namespace SsePluginHost.Mounts;

/// <summary>The mounts by path, and the lookup from a request path to its mount.</summary>
internal sealed class MountTable : IAsyncDisposable
{
    private FrozenDictionary<string, Mount> _byPath = FrozenDictionary<string, Mount>.Empty;
    private volatile bool _shuttingDown;
    private CancellationTokenSource _changes = new();
    private int _version;

    /// <summary>Changes whenever the mounts do.</summary>
    public int Version => Volatile.Read(ref _version);

    /// <summary>The streams being written now, over all mounts.</summary>
    public Streaming.StreamCounter Streams { get; } = new();

    /// <summary>The number of streams being written now, over all mounts.</summary>
    public int TotalStreams => Streams.Count;

    /// <summary>Whether the host is stopping: no new streams are opened.</summary>
    public bool IsShuttingDown => _shuttingDown;

    public IReadOnlyCollection<Mount> Mounts => _byPath.Values;

    /// <summary>Replaces the mounts; the change token of the mounts before is signalled.</summary>
    public void Set(IEnumerable<Mount> mounts)
    {
        _byPath = mounts.ToFrozenDictionary(m => m.Path, StringComparer.OrdinalIgnoreCase);
        Interlocked.Increment(ref _version);
        CancellationTokenSource changed = Interlocked.Exchange(ref _changes, new CancellationTokenSource());
        changed.Cancel();
        changed.Dispose();
    }

    /// <summary>A token that is signalled when the mounts change (for the mount endpoints).</summary>
    public IChangeToken GetChangeToken() => new CancellationChangeToken(Volatile.Read(ref _changes).Token);

    public Mount? Find(string path) => _byPath.TryGetValue(path, out Mount? mount) ? mount : null;

    /// <summary>
    /// Finds the mount for a request path: the mount at the path itself, or the longest mount
    /// path that is a whole-segment prefix of it.
    /// </summary>
    public Mount? Match(string requestPath, out string subPath)
    {
        string path = requestPath.Length > 1 ? requestPath.TrimEnd('/') : requestPath;
        if (path.Length == 0)
        {
            path = "/";
        }

        FrozenDictionary<string, Mount> byPath = _byPath;
        string probe = path;
        while (true)
        {
            if (byPath.TryGetValue(probe, out Mount? mount))
            {
                subPath = probe == "/" ? path : path[probe.Length..];
                if (subPath == "/")
                {
                    subPath = string.Empty;
                }

                return mount;
            }

            if (probe == "/")
            {
                subPath = string.Empty;
                return null;
            }

            int slash = probe.LastIndexOf('/');
            probe = slash <= 0 ? "/" : probe[..slash];
        }
    }

    /// <summary>Finds a client of any mount by its session id.</summary>
    public Streaming.SseSession? FindSession(string sessionId)
    {
        foreach (Mount mount in _byPath.Values)
        {
            Streaming.SseSession? client = mount.FindSession(sessionId);
            if (client is not null)
            {
                return client;
            }
        }

        return null;
    }

    /// <summary>Stops accepting streams and ends every open one with reason <c>Shutdown</c>.</summary>
    public void BeginShutdown()
    {
        _shuttingDown = true;
        foreach (Mount mount in _byPath.Values)
        {
            mount.SignalStopping();
            mount.CloseAll(Abstractions.SseDisconnectReason.Shutdown);
        }
    }

    /// <summary>Disposes the plugin instances and their load contexts, all at once, each within its timeout.</summary>
    public async ValueTask DisposeAsync()
    {
        await Task.WhenAll(_byPath.Values.Select(DisposeQuietlyAsync)).ConfigureAwait(false);
    }

    private static async Task DisposeQuietlyAsync(Mount mount)
    {
        try
        {
            await mount.DisposeAsync().ConfigureAwait(false);
        }
#pragma warning disable CA1031 // One plugin's failure to dispose must not keep the others from it.
        catch (Exception)
#pragma warning restore CA1031
        {
            // The host is exiting; the plugin's own fault is not the operator's concern here.
        }
    }
}
