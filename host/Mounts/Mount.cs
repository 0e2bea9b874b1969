using System.Collections.Concurrent;
using SsePluginHost.Abstractions;
using SsePluginHost.Configuration;
using SsePluginHost.Plugins;
using SsePluginHost.Streaming;

namespace SsePluginHost.Mounts;

/// <summary>
/// A path served by one plugin instance, with its connected clients. A mount whose plugin
/// failed to load keeps the reason and answers 503.
/// </summary>
internal sealed class Mount : ISseMount, IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, SseClientConnection> _clients = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _activeStreams;
    private volatile bool _retired;

    public Mount(MountDefinition definition)
    {
        Definition = definition;
    }

    public MountDefinition Definition { get; }

    public string Path => Definition.Path;

    /// <summary>The plugin instance, or <see langword="null"/> when it failed to load.</summary>
    public ISseService? Service { get; private set; }

    /// <summary>The loaded plugin, or <see langword="null"/>.</summary>
    public LoadedPlugin? Plugin { get; private set; }

    /// <summary>Why the plugin could not be loaded, or <see langword="null"/>.</summary>
    public string? LoadError { get; private set; }

    public IReadOnlyCollection<ISseClient> Clients => _clients.Values.ToArray();

    public int ClientCount => _clients.Count;

    /// <summary>The connections, for the host's own use (ping, console, shutdown).</summary>
    public IEnumerable<SseClientConnection> Connections => _clients.Values;

    public void Attach(LoadedPlugin plugin)
    {
        Plugin = plugin;
        Service = plugin.Service;
    }

    public void Fail(string reason) => LoadError = reason;

    /// <summary>Whether the mount was removed or replaced by a reload: it takes no new streams.</summary>
    public bool IsRetired => _retired;

    /// <summary>Counts a stream that is being served (until its disconnect callback has run).</summary>
    public void EnterStream() => Interlocked.Increment(ref _activeStreams);

    /// <summary>Counts a stream out; the last one out of a retired mount signals that it is drained.</summary>
    public void ExitStream()
    {
        if (Interlocked.Decrement(ref _activeStreams) == 0 && _retired)
        {
            _drained.TrySetResult();
        }
    }

    /// <summary>
    /// Takes the mount out of service: its streams end with reason <c>Shutdown</c>. Completes
    /// when every stream's disconnect callback has run, or after the timeout.
    /// </summary>
    public async Task RetireAsync(TimeSpan timeout)
    {
        _retired = true;
        foreach (SseClientConnection client in _clients.Values)
        {
            client.Close(SseDisconnectReason.Shutdown);
        }

        if (Volatile.Read(ref _activeStreams) == 0)
        {
            _drained.TrySetResult();
        }

        await Task.WhenAny(_drained.Task, Task.Delay(timeout)).ConfigureAwait(false);
    }

    public ISseClient? FindClient(SseRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        string? id = request.GetField("session") ?? request.GetHeader("X-Session-Id");
        return string.IsNullOrEmpty(id) ? null : FindClient(id);
    }

    public ISseClient? FindClient(string sessionId) => FindConnection(sessionId);

    public SseClientConnection? FindConnection(string sessionId)
    {
        ArgumentNullException.ThrowIfNull(sessionId);
        return _clients.TryGetValue(sessionId, out SseClientConnection? client) ? client : null;
    }

    public int Broadcast(SseEvent sseEvent)
    {
        ArgumentNullException.ThrowIfNull(sseEvent);
        return BroadcastFrame(SseFramer.Frame(sseEvent));
    }

    public int Broadcast(string eventType, string data) => Broadcast(new SseEvent(eventType, data));

    /// <summary>Queues the same framed bytes for every client; never waits for any one of them.</summary>
    public int BroadcastFrame(ReadOnlyMemory<byte> frame)
    {
        int queued = 0;
        foreach (KeyValuePair<string, SseClientConnection> pair in _clients)
        {
            if (pair.Value.Enqueue(frame))
            {
                queued++;
            }
        }

        return queued;
    }

    public void Add(SseClientConnection client) => _clients[client.SessionId] = client;

    public void Remove(SseClientConnection client) =>
        _clients.TryRemove(new KeyValuePair<string, SseClientConnection>(client.SessionId, client));

    /// <summary>Disposes the plugin instance, if it is disposable, and its load context.</summary>
    public async ValueTask DisposeAsync()
    {
        ISseService? service = Service;
        Service = null;
        switch (service)
        {
            case IAsyncDisposable asyncDisposable:
                await asyncDisposable.DisposeAsync().ConfigureAwait(false);
                break;
            case IDisposable disposable:
                disposable.Dispose();
                break;
        }

        Plugin?.Loader.Dispose();
    }
}
