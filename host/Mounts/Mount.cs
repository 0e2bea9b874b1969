using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using SsePluginHost.Abstractions;
using SsePluginHost.Configuration;
using SsePluginHost.Diagnostics;
using SsePluginHost.Plugins;
using SsePluginHost.Streaming;

namespace SsePluginHost.Mounts;

/// <summary>
/// A path served by one plugin instance, with its sessions and its history of broadcasts. A
/// mount whose plugin failed to load keeps the reason and answers 503.
/// </summary>
/// <remarks>
/// Broadcasts are numbered, framed once, recorded and queued for every attached session under a
/// publish lock that only publishers and connecting clients take (never a client's writer), so a
/// client that connects with <c>Last-Event-ID</c> gets the replay and then the live events with
/// no gap and no duplicate.
/// </remarks>
internal sealed partial class Mount : ISseMount, IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, SseSession> _sessions = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _publishLock = new();

    // The sessions that receive broadcasts, for the broadcast loop; changed under the publish lock.
    private readonly List<SseSession> _attached = [];
    private List<SseSession>? _leaving;
    private int _broadcasting;
    private readonly EventHistory _history;
    private readonly long _idBase;
    private readonly StreamCounter _hostStreams;
    private readonly HostMetrics _metrics;
    private readonly ILogger _logger;
    private readonly byte[] _retryFrame;
    private readonly byte[] _refusalRetryFrame;
    private readonly LogThrottle _refusals = new(TimeSpan.FromSeconds(10));
    private long _sequence;
    private int _liveSessions;
    private int _streams;
    private long _slowConsumers;
    private volatile bool _retired;

    public Mount(MountDefinition definition, StreamCounter hostStreams, HostMetrics metrics, ILogger logger)
    {
        Definition = definition;
        _hostStreams = hostStreams;
        _metrics = metrics;
        _logger = logger;
        _history = new EventHistory(definition.Delivery.History);
        _retryFrame = SseFramer.Retry(TimeSpan.FromMilliseconds(definition.Delivery.RetryMilliseconds));
        RefusalRetry = TimeSpan.FromMilliseconds(Math.Max(1000, definition.Delivery.RetryMilliseconds));
        _refusalRetryFrame = SseFramer.Retry(RefusalRetry);

        // Ids start from the clock, so that ids of an earlier run of the host are older than any
        // of this run and a client that reconnects across a restart gets an explicit reset.
        _idBase = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000;
    }

    public MountDefinition Definition { get; }

    public string Path => Definition.Path;

    /// <summary>The plugin instance, or <see langword="null"/> when it failed to load.</summary>
    public ISseService? Service { get; private set; }

    /// <summary>The loaded plugin, or <see langword="null"/>.</summary>
    public LoadedPlugin? Plugin { get; private set; }

    /// <summary>Why the plugin could not be loaded, or <see langword="null"/>.</summary>
    public string? LoadError { get; private set; }

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

    public void Attach(LoadedPlugin plugin)
    {
        Plugin = plugin;
        Service = plugin.Service;
    }

    public void Fail(string reason) => LoadError = reason;

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
    /// Numbers, frames, records and queues one event for every attached session; never waits for
    /// any one of them. An event without an id gets the mount's next id.
    /// </summary>
    public int Broadcast(SseEvent sseEvent) => Broadcast(sseEvent, out _);

    /// <summary>Broadcasts an event and says which id it got.</summary>
    public int Broadcast(SseEvent sseEvent, out string id)
    {
        ArgumentNullException.ThrowIfNull(sseEvent);
        int queued = 0;
        lock (_publishLock)
        {
            long sequence = ++_sequence;
            id = sseEvent.Id ?? (_idBase + sequence).ToString(CultureInfo.InvariantCulture);
            byte[] frame = SseFramer.Frame(sseEvent.EventType, sseEvent.Data, id);
            _history.Append(id, sequence, frame, Environment.TickCount64);
            Outgoing item = new(frame, sequence);
            long now = Environment.TickCount64;
            _broadcasting++;
            try
            {
                // A session may leave during the loop (dropped as a slow consumer, or by a plugin
                // told of that): it is taken out of the list once the loop is over.
                for (int i = 0; i < _attached.Count; i++)
                {
                    SseSession session = _attached[i];
                    if (session.ReceivesBroadcasts && session.Enqueue(item, now))
                    {
                        queued++;
                    }
                }
            }
            finally
            {
                if (--_broadcasting == 0 && _leaving is { Count: > 0 } leaving)
                {
                    foreach (SseSession session in leaving)
                    {
                        RemoveAttached(session);
                    }

                    leaving.Clear();
                }
            }
        }

        _metrics.Broadcast(Path);
        return queued;
    }

    /// <summary>Registers a new session (findable from now on; it receives broadcasts once attached).</summary>
    public SseSession CreateSession(SseRequest request, object? state, int queueCapacity, long maxQueueBytes, FlushTicker ticker)
    {
        SseSession session = new(this, SessionIds.NewId(), request, state, queueCapacity, maxQueueBytes,
            TimeSpan.FromSeconds(Definition.Delivery.SessionGraceSeconds), ticker);
        Interlocked.Increment(ref _liveSessions);
        _sessions[session.SessionId] = session;
        return session;
    }

    /// <summary>
    /// Attaches a connection to a session: returns what to write first (session-id, retry, then
    /// the broadcasts the client missed, or a <c>reset</c> event when the history does not reach
    /// back far enough) and, under the same lock, starts queuing live broadcasts for it.
    /// </summary>
    public List<ReadOnlyMemory<byte>> AttachStream(SseSession session, string? lastEventId, bool resumed)
    {
        List<ReadOnlyMemory<byte>> preamble = [SseFramer.Frame("session-id", session.SessionId), _retryFrame];
        lock (_publishLock)
        {
            long resumeAfter = resumed && lastEventId is null ? session.LastWrittenSequence : -1;
            if (lastEventId is not null || resumeAfter > 0)
            {
                bool complete = lastEventId is not null
                    ? _history.TryCollectAfter(lastEventId, Environment.TickCount64, preamble)
                    : _history.TryCollectAfter(resumeAfter, Environment.TickCount64, preamble);
                if (!complete)
                {
                    preamble.Add(ResetFrame(lastEventId ?? (_idBase + resumeAfter).ToString(CultureInfo.InvariantCulture)));
                    _metrics.Reset(Path);
                    LogReset(_logger, Path, session.SessionId, lastEventId ?? "(its last)");
                }
            }

            session.SkipBroadcastsThrough(_sequence);
            session.ReceivesBroadcasts = true;
            if (session.AttachedIndex < 0)
            {
                session.AttachedIndex = _attached.Count;
                _attached.Add(session);
            }
        }

        return preamble;
    }

    /// <summary>Stops queuing broadcasts for a session whose connection dropped (it may be resumed).</summary>
    public void Detach(SseSession session)
    {
        lock (_publishLock)
        {
            session.ReceivesBroadcasts = false;
            RemoveAttached(session);
        }
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
        lock (_publishLock)
        {
            session.ReceivesBroadcasts = false;
            RemoveAttached(session);
        }
    }

    /// <summary>Takes a session out of the broadcast list (later, when a broadcast loop is running). Under the publish lock.</summary>
    private void RemoveAttached(SseSession session)
    {
        int index = session.AttachedIndex;
        if (index < 0)
        {
            return;
        }

        if (_broadcasting > 0)
        {
            (_leaving ??= []).Add(session);
            return;
        }

        SseSession last = _attached[^1];
        _attached[index] = last;
        last.AttachedIndex = index;
        _attached.RemoveAt(_attached.Count - 1);
        session.AttachedIndex = -1;
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

        try
        {
            Service?.OnClientDisconnected(session, session.Reason);
        }
#pragma warning disable CA1031 // A plugin's fault costs that client only.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogDisconnectFailed(_logger, ex, Path, session.SessionId);
        }
        finally
        {
            if (Interlocked.Decrement(ref _liveSessions) == 0 && _retired)
            {
                _drained.TrySetResult();
            }
        }
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

    private static byte[] ResetFrame(string lastEventId) =>
        SseFramer.Frame("reset", JsonSerializer.Serialize(new ResetNotice(lastEventId, "the events after this id are no longer available; resynchronise")));

    [LoggerMessage(EventId = 21, Level = LogLevel.Debug, Message = "{Path}: session {SessionId} left ({Reason})")]
    private static partial void LogLeft(ILogger logger, string path, string sessionId, SseDisconnectReason reason);

    [LoggerMessage(EventId = 23, Level = LogLevel.Error, Message = "{Path}: the plugin threw while told that session {SessionId} left")]
    private static partial void LogDisconnectFailed(ILogger logger, Exception exception, string path, string sessionId);

    [LoggerMessage(EventId = 24, Level = LogLevel.Warning, Message = "{Path}: session {SessionId} dropped as a slow consumer: its queue is full")]
    private static partial void LogSlowConsumer(ILogger logger, string path, string sessionId);

    [LoggerMessage(EventId = 25, Level = LogLevel.Information, Message = "{Path}: session {SessionId} asked to resume after {LastEventId}, older than the history; sent reset")]
    private static partial void LogReset(ILogger logger, string path, string sessionId, string lastEventId);
}
