using System.Collections.Concurrent;
using System.Globalization;
using SsePluginHost.Abstractions;
using SsePluginHost.Channels;
using SsePluginHost.Configuration;
using SsePluginHost.Diagnostics;
using SsePluginHost.Plugins;
using SsePluginHost.Streaming;

namespace SsePluginHost.Mounts;

/// <summary>
/// A path served by one plugin instance, with its sessions and its channel. A mount whose plugin
/// failed to load keeps the reason and answers 503.
/// </summary>
/// <remarks>
/// Every event enters through the mount's <see cref="IMountChannel"/>: a broadcast is framed
/// here, by its publisher, outside any lock, and published; the channel gives it its id, keeps
/// the history and hands it to every subscribed session. A connecting session subscribes from
/// its <c>Last-Event-ID</c> and gets the replay and then the live events with no gap and no
/// duplicate.
/// </remarks>
internal sealed partial class Mount : ISseMount, IDirectRecipients, IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, SseSession> _sessions = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly IMountChannel _channel;
    private readonly StreamCounter _hostStreams;
    private readonly HostMetrics _metrics;
    private readonly ILogger _logger;
    private readonly byte[] _retryFrame;
    private readonly byte[] _refusalRetryFrame;
    private readonly LogThrottle _refusals;
    private int _liveSessions;
    private int _streams;
    private long _slowConsumers;
    private volatile bool _retired;
    private volatile ISseService? _service;
    private volatile string? _loadError;
    private readonly TimeProvider _time;
    private long _loadingSince;

    public Mount(MountDefinition definition, IMountChannelFactory channels, StreamCounter hostStreams, HostMetrics metrics, ILogger logger, TimeProvider? time = null)
    {
        Definition = definition;
        _time = time ?? TimeProvider.System;
        Callbacks = new PluginCallbackQueue(_time);
        _refusals = new LogThrottle(TimeSpan.FromSeconds(10), _time);
        _hostStreams = hostStreams;
        _metrics = metrics;
        _logger = logger;
        _channel = channels.Create(definition.Path, definition.Delivery.History, this);
        _retryFrame = SseFramer.Retry(TimeSpan.FromMilliseconds(definition.Delivery.RetryMilliseconds));
        RefusalRetry = TimeSpan.FromMilliseconds(Math.Max(1000, definition.Delivery.RetryMilliseconds));
        _refusalRetryFrame = SseFramer.Retry(RefusalRetry);
    }

    public MountDefinition Definition { get; }

    public string Path => Definition.Path;

    /// <summary>The plugin instance, or <see langword="null"/> while it loads, when it failed to, or once disposed.</summary>
    public ISseService? Service => _service;

    /// <summary>The loaded plugin, or <see langword="null"/>.</summary>
    public LoadedPlugin? Plugin { get; private set; }

    /// <summary>Why the plugin could not be loaded, or <see langword="null"/>.</summary>
    public string? LoadError => _loadError;

    /// <summary>Whether the plugin's constructor is still running.</summary>
    public bool IsLoading => Volatile.Read(ref _loadingSince) != 0;

    /// <summary>How long the plugin's constructor has run, while <see cref="IsLoading"/>.</summary>
    public TimeSpan LoadingFor => Volatile.Read(ref _loadingSince) is var since and not 0 ? _time.GetElapsedTime(since) : TimeSpan.Zero;

    /// <summary>Whether the watchdog has reported the constructor running long.</summary>
    public bool LoadReported { get; set; }

    /// <summary>The plugin's callbacks, run one at a time, in order, off the host's threads and locks.</summary>
    public PluginCallbackQueue Callbacks { get; }

    /// <summary>Why the mount cannot serve, for its 503 answer: the load error, or that its plugin is still starting.</summary>
    public string UnavailableReason => LoadError
        ?? (IsLoading
            ? string.Create(CultureInfo.InvariantCulture, $"its plugin is still starting: the constructor has run for {LoadingFor.TotalSeconds:0.#} s")
            : "its plugin has been unloaded");

    public IReadOnlyCollection<ISseClient> Clients => _sessions.Values.ToArray();

    public int ClientCount => _sessions.Count;

    /// <summary>The sessions, for the host's own use (ping, console, shutdown).</summary>
    /// <remarks>Walks the live dictionary (no snapshot, no locks): a session added or removed meanwhile may or may not be seen.</remarks>
    public IEnumerable<SseSession> Sessions => _sessions.Select(static pair => pair.Value);

    /// <summary>The streams being written now.</summary>
    public int StreamCount => Volatile.Read(ref _streams);

    /// <summary>Whether the mount was removed or replaced by a reload: it takes no new streams.</summary>
    public bool IsRetired => _retired;

    /// <summary>How many clients were dropped because their queue was full.</summary>
    public long SlowConsumerCount => Interlocked.Read(ref _slowConsumers);

    /// <summary>The host's metrics.</summary>
    public HostMetrics Metrics => _metrics;

    /// <summary>The mount's channel: the only way events enter it.</summary>
    public IMountChannel Channel => _channel;

    /// <summary>Marks the plugin's constructor as started (it runs on its own thread).</summary>
    public void BeginLoading() => Volatile.Write(ref _loadingSince, Math.Max(1, _time.GetTimestamp()));

    /// <summary>Makes the constructed plugin serve; false (nothing changed) when the mount was retired meanwhile.</summary>
    public bool Attach(LoadedPlugin plugin)
    {
        if (_retired)
        {
            Volatile.Write(ref _loadingSince, 0);
            return false;
        }

        Plugin = plugin;
        _service = plugin.Service;
        Volatile.Write(ref _loadingSince, 0);
        return true;
    }

    public void Fail(string reason)
    {
        _loadError = reason;
        Volatile.Write(ref _loadingSince, 0);
    }

    /// <summary>Tells the plugin, on its callback queue, that a new client connected; a plugin that throws costs that client.</summary>
    public void PostConnected(SseSession session)
    {
        Callbacks.Post(new PluginCallback(
            "OnClientConnected",
            () => Service?.OnClientConnected(session),
            ex =>
            {
                LogConnectFailed(_logger, ex, Path, session.SessionId);
                session.Close(SseDisconnectReason.Error);
            }));
    }

    public ISseClient? FindClient(SseRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        string? id = request.GetField("session") ?? request.GetHeader("X-Session-Id");
        return string.IsNullOrEmpty(id) ? null : FindClient(id);
    }

    public ISseClient? FindClient(string sessionId) => FindSession(sessionId);

    public SseSession? FindSession(string sessionId)
    {
        ArgumentNullException.ThrowIfNull(sessionId);
        return _sessions.TryGetValue(sessionId, out SseSession? session) ? session : null;
    }

    public int Broadcast(string eventType, string data) => Broadcast(new SseEvent(eventType, data));

    /// <summary>
    /// Frames one event (here, once, outside any lock) and publishes it to the mount's channel,
    /// which gives it its id and hands it to every subscribed session; never waits for any one of them.
    /// </summary>
    public int Broadcast(SseEvent sseEvent) => Broadcast(sseEvent, out _);

    /// <summary>Broadcasts an event and says which id it got.</summary>
    public int Broadcast(SseEvent sseEvent, out string id)
    {
        EventBody body = EventBody.From(sseEvent);
        PublishReceipt receipt = _channel.Publish(body);
        id = receipt.Id;
        _metrics.Broadcast(Path);
        return receipt.Delivered;
    }

    /// <summary>Sends an event to one session through the channel; false when it is not open here.</summary>
    public bool SendTo(string sessionId, SseEvent sseEvent) => _channel.SendTo(sessionId, EventBody.From(sseEvent));

    /// <inheritdoc/>
    bool IDirectRecipients.Deliver(string sessionId, byte[] frame) =>
        _sessions.TryGetValue(sessionId, out SseSession? session) && session.Enqueue(new Outgoing(frame, 0));

    /// <summary>Registers a new session (findable from now on; it receives broadcasts once attached).</summary>
    public SseSession CreateSession(SseRequest request, object? state, int queueCapacity, long maxQueueBytes, FlushTicker ticker)
    {
        SseSession session = new(this, SessionIds.NewId(), request, state, queueCapacity, maxQueueBytes,
            TimeSpan.FromSeconds(Definition.Delivery.SessionGraceSeconds), ticker, _time);
        Interlocked.Increment(ref _liveSessions);
        _sessions[session.SessionId] = session;
        return session;
    }

    /// <summary>
    /// Attaches a connection to a session: returns what to write first (session-id, retry) and
    /// subscribes the session to the channel, which puts the broadcasts the client missed (or a
    /// <c>reset</c> event when they cannot all be had) in front of its queue and then the live ones.
    /// </summary>
    public List<ReadOnlyMemory<byte>> AttachStream(SseSession session, string? lastEventId, bool resumed)
    {
        List<ReadOnlyMemory<byte>> preamble = [SseFramer.Frame("session-id", session.SessionId), _retryFrame];
        ReplayFrom from = lastEventId is not null ? ReplayFrom.Id(lastEventId)
            : resumed ? ReplayFrom.Sequence(session.LastWrittenSequence)
            : ReplayFrom.Now;
        if (session.Subscribe(_channel, from))
        {
            _metrics.Reset(Path);
            LogReset(_logger, Path, session.SessionId, from.ToString());
        }

        return preamble;
    }

    /// <summary>Counts a stream in against the mount's and the host's limits; false (and not counted) when over either.</summary>
    public bool TryEnterStream(int hostLimit)
    {
        int mountLimit = Definition.Delivery.MaxStreams;
        int mine = Interlocked.Increment(ref _streams);
        int all = _hostStreams.Increment();
        if ((mountLimit > 0 && mine > mountLimit) || (hostLimit > 0 && all > hostLimit))
        {
            Interlocked.Decrement(ref _streams);
            _hostStreams.Decrement();
            return false;
        }

        _metrics.StreamOpened(Path);
        return true;
    }

    /// <summary>
    /// Counts a refused stream; returns how many were refused since the last log line when it is
    /// time for another (at most one every 10 seconds per mount), or 0.
    /// </summary>
    public long CountRefusal() => _refusals.Count();

    /// <summary>The delay a refused client is told to wait: the mount's retry, at least a second.</summary>
    public TimeSpan RefusalRetry { get; }

    /// <summary>The <c>retry:</c> frame sent with a refusal.</summary>
    public ReadOnlyMemory<byte> RefusalRetryFrame => _refusalRetryFrame;

    public void ExitStream()
    {
        Interlocked.Decrement(ref _streams);
        _hostStreams.Decrement();
        _metrics.StreamClosed(Path);
    }

    public void Remove(SseSession session)
    {
        _sessions.TryRemove(new KeyValuePair<string, SseSession>(session.SessionId, session));
        session.Unsubscribe();
    }

    /// <summary>Tells the plugin, once, that a session ended.</summary>
    public void OnSessionEnded(SseSession session)
    {
        LogLeft(_logger, Path, session.SessionId, session.Reason);
        if (session.Reason == SseDisconnectReason.SlowConsumer)
        {
            Interlocked.Increment(ref _slowConsumers);
            _metrics.SlowConsumer(Path);
            LogSlowConsumer(_logger, Path, session.SessionId);
        }

        Callbacks.Post(new PluginCallback(
            "OnClientDisconnected",
            () =>
            {
                try
                {
                    Service?.OnClientDisconnected(session, session.Reason);
                }
                finally
                {
                    if (Interlocked.Decrement(ref _liveSessions) == 0 && _retired)
                    {
                        _drained.TrySetResult();
                    }
                }
            },
            ex => LogDisconnectFailed(_logger, ex, Path, session.SessionId)));
    }

    /// <summary>
    /// Takes the mount out of service: its sessions end with reason <c>Shutdown</c>. Completes
    /// when the plugin has been told of each, or after the timeout.
    /// </summary>
    public async Task RetireAsync(TimeSpan timeout)
    {
        _retired = true;
        CloseAll(SseDisconnectReason.Shutdown);
        if (Volatile.Read(ref _liveSessions) == 0)
        {
            _drained.TrySetResult();
        }

        await Task.WhenAny(_drained.Task, Task.Delay(timeout)).ConfigureAwait(false);
    }

    /// <summary>Ends every session with a reason.</summary>
    public void CloseAll(SseDisconnectReason reason)
    {
        foreach (SseSession session in _sessions.Values)
        {
            session.Close(reason);
        }
    }

    /// <summary>
    /// Disposes the plugin instance, if it is disposable, after its earlier callbacks, on its
    /// callback queue, and then its load context. A disposal that has not finished within
    /// <paramref name="timeout"/> is left to run (logged); the load context then stays.
    /// </summary>
    public async Task DisposeAsync(TimeSpan timeout)
    {
        _retired = true;
        TaskCompletionSource<Task> disposing = new(TaskCreationOptions.RunContinuationsAsynchronously);
        Callbacks.Post(new PluginCallback(
            "Dispose",
            () =>
            {
                ISseService? service = _service;
                _service = null;
                switch (service)
                {
                    case IAsyncDisposable asyncDisposable:
                        disposing.TrySetResult(asyncDisposable.DisposeAsync().AsTask());
                        break;
                    case IDisposable disposable:
                        disposable.Dispose();
                        disposing.TrySetResult(Task.CompletedTask);
                        break;
                    default:
                        disposing.TrySetResult(Task.CompletedTask);
                        break;
                }
            },
            ex => disposing.TrySetException(ex)));
        _channel.Dispose();
        try
        {
            Task disposal = await disposing.Task.WaitAsync(timeout).ConfigureAwait(false);
            await disposal.WaitAsync(timeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            LogDisposeSlow(_logger, Path, timeout.TotalSeconds);
            return;
        }

        Plugin?.Loader.Dispose();
    }

    /// <inheritdoc cref="DisposeAsync(TimeSpan)"/>
    public async ValueTask DisposeAsync() => await DisposeAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);

    [LoggerMessage(EventId = 22, Level = LogLevel.Error, Message = "{Path}: the plugin threw while session {SessionId} connected; the client is dropped")]
    private static partial void LogConnectFailed(ILogger logger, Exception exception, string path, string sessionId);

    [LoggerMessage(EventId = 8, Level = LogLevel.Warning, Message = "{Path}: the plugin did not finish disposing within {Seconds} s; its load context is kept")]
    private static partial void LogDisposeSlow(ILogger logger, string path, double seconds);

    [LoggerMessage(EventId = 21, Level = LogLevel.Debug, Message = "{Path}: session {SessionId} left ({Reason})")]
    private static partial void LogLeft(ILogger logger, string path, string sessionId, SseDisconnectReason reason);

    [LoggerMessage(EventId = 23, Level = LogLevel.Error, Message = "{Path}: the plugin threw while told that session {SessionId} left")]
    private static partial void LogDisconnectFailed(ILogger logger, Exception exception, string path, string sessionId);

    [LoggerMessage(EventId = 24, Level = LogLevel.Warning, Message = "{Path}: session {SessionId} dropped as a slow consumer: its queue is full")]
    private static partial void LogSlowConsumer(ILogger logger, string path, string sessionId);

    [LoggerMessage(EventId = 25, Level = LogLevel.Information, Message = "{Path}: session {SessionId} asked to resume after {LastEventId}, which the history no longer holds or which would not fit its queue; sent reset")]
    private static partial void LogReset(ILogger logger, string path, string sessionId, string lastEventId);
}
