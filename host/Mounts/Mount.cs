using SsePluginHost.Abstractions;
using SsePluginHost.Channels;
using SsePluginHost.Cluster;
using SsePluginHost.Configuration;
using SsePluginHost.Diagnostics;
using SsePluginHost.Plugins;
using SsePluginHost.Streaming;

namespace SsePluginHost.Mounts;

/// <summary>
/// A path served by one plugin, as the plugin sees it (<see cref="ISseMount"/>): the parts with
/// one job each — its <see cref="IMountChannel"/> (ids, history, replay, live events), its
/// <see cref="SessionRegistry"/>, its <see cref="StreamSlots"/> and its
/// <see cref="PluginRuntime"/> — and what joins them. Admission is the host's
/// (<see cref="Admission.MountAdmission"/>).
/// </summary>
/// <remarks>
/// Every event enters through the channel: a broadcast is framed here, by its publisher,
/// outside any lock, and published; the channel gives it its id, keeps the history and hands it
/// to every subscribed session. A connecting session subscribes from its <c>Last-Event-ID</c>
/// and gets the replay and then the live events with no gap and no duplicate.
/// </remarks>
internal sealed partial class Mount : ISseMount, IDirectRecipients, IAsyncDisposable
{
    private readonly IMountChannel _channel;
    private readonly IClusterSessions? _cluster;
    private readonly SessionRegistry _sessions = new();
    private readonly StreamSlots _slots;
    private readonly PluginRuntime _runtime;
    private readonly HostMetrics _metrics;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly byte[] _retryFrame;
    private readonly byte[] _refusalRetryFrame;
    private readonly LogThrottle _rateLimited;
    private readonly LogThrottle _busy;
    private int _requestsInPlugin;
    private long _lastReturn;

    /// <summary>How long no call into the plugin's request handler may return before those in hand count as stuck.</summary>
    private static readonly TimeSpan StuckAfter = TimeSpan.FromMilliseconds(50);
    private long _slowConsumers;
    private volatile bool _retired;

    public Mount(MountDefinition definition, IMountChannelFactory channels, StreamCounter hostStreams, HostMetrics metrics, ILogger logger,
        TimeProvider? time = null, PluginActivity? activity = null, IClusterSessions? cluster = null,
        Microsoft.AspNetCore.Cors.Infrastructure.ICorsService? cors = null, IMountChannel? predecessorChannel = null)
    {
        _cluster = cluster is { Enabled: true } ? cluster : null;
        Definition = definition;
        _time = time ?? TimeProvider.System;
        _metrics = metrics;
        _logger = logger;
        _channel = channels.Create(definition.Path, definition.Delivery.History, this, predecessorChannel);
        _slots = new StreamSlots(definition.Path, definition.Delivery.MaxStreams, hostStreams, metrics, _time);
        _runtime = new PluginRuntime(definition.Path, _time, logger, activity);
        _retryFrame = SseFramer.Retry(TimeSpan.FromMilliseconds(definition.Delivery.RetryMilliseconds));
        RefusalRetry = TimeSpan.FromMilliseconds(Math.Max(1000, definition.Delivery.RetryMilliseconds));
        _refusalRetryFrame = SseFramer.Retry(RefusalRetry);
        Authenticator = definition.Delivery.Auth.IsRequired ? new Auth.MountAuthenticator(definition.Delivery.Auth, _time) : null;
        Expiries = new Auth.ExpirySchedule(_time);
        Cors = new Cors.CorsRules(definition.Delivery.Cors, cors);
        _rateLimited = new LogThrottle(TimeSpan.FromSeconds(10), _time);
        _busy = new LogThrottle(TimeSpan.FromSeconds(10), _time);
        RateLimits = definition.Delivery.RateLimits.Any ? new RateLimits.MountRateLimits(definition.Delivery.RateLimits) : null;
    }

    /// <summary>The mount's limits per client address, or <see langword="null"/> when it has none.</summary>
    public RateLimits.MountRateLimits? RateLimits { get; }

    /// <summary>Which other origins' pages may use the mount.</summary>
    public Cors.CorsRules Cors { get; }

    /// <summary>The mount's authentication, or <see langword="null"/> for an anonymous mount.</summary>
    public Auth.MountAuthenticator? Authenticator { get; }

    /// <summary>When this mount's streams end because their credentials expire (one timer for them all).</summary>
    public Auth.ExpirySchedule Expiries { get; }

    public MountDefinition Definition { get; }

    public string Path => Definition.Path;

    /// <summary>The mount's plugin: its state, instance and callbacks.</summary>
    public PluginRuntime Runtime => _runtime;

    /// <summary>The plugin instance, or <see langword="null"/> while it loads, when it failed to, or once disposed.</summary>
    public ISseService? Service => _runtime.Service;

    /// <summary>The loaded plugin, or <see langword="null"/>.</summary>
    public LoadedPlugin? Plugin => _runtime.Plugin;

    /// <summary>Why the plugin could not be loaded, or <see langword="null"/>.</summary>
    public string? LoadError => _runtime.LoadError;

    /// <summary>Whether the plugin's constructor is still running.</summary>
    public bool IsLoading => _runtime.IsLoading;

    /// <summary>Why the mount cannot serve, for its 503 answer.</summary>
    public string UnavailableReason => _runtime.UnavailableReason;

    /// <summary>The plugin's callbacks, run one at a time, in order, off the host's threads and locks.</summary>
    public PluginCallbackQueue Callbacks => _runtime.Callbacks;

    public IReadOnlyCollection<ISseClient> Clients => _sessions.Snapshot();

    public int ClientCount => _sessions.Count;

    /// <summary>The sessions, for the host's own use (ping, console, shutdown).</summary>
    /// <remarks>Walks the live dictionary (no snapshot, no locks): a session added or removed meanwhile may or may not be seen.</remarks>
    public IEnumerable<SseSession> Sessions => _sessions.All;

    /// <summary>The streams being written now.</summary>
    public int StreamCount => _slots.Count;

    /// <summary>Whether the mount was removed or replaced by a reload: it takes no new streams.</summary>
    public bool IsRetired => _retired;

    /// <summary>How many clients were dropped because their queue was full.</summary>
    public long SlowConsumerCount => Interlocked.Read(ref _slowConsumers);

    /// <summary>The host's metrics.</summary>
    public HostMetrics Metrics => _metrics;

    /// <summary>The mount's channel: the only way events enter it.</summary>
    public IMountChannel Channel => _channel;

    /// <summary>The delay a refused client is told to wait: the mount's retry, at least a second.</summary>
    public TimeSpan RefusalRetry { get; }

    /// <summary>The <c>retry:</c> frame sent with a refusal.</summary>
    public ReadOnlyMemory<byte> RefusalRetryFrame => _refusalRetryFrame;

    /// <summary>Marks the plugin's constructor as started (it runs on its own thread).</summary>
    public void BeginLoading() => _runtime.BeginLoading();

    /// <summary>Makes the constructed plugin serve; false (nothing changed) when the mount was retired meanwhile.</summary>
    public bool Attach(LoadedPlugin plugin)
    {
        // Retired meanwhile: held all the same, so that disposing the mount disposes the plugin and unloads it.
        _runtime.Serve(plugin);
        return !_retired;
    }

    /// <summary>The build of the plugin DLL this mount loaded, or tried to; <see langword="null"/> when there was no file.</summary>
    public PluginBuild? Build { get; set; }

    public void Fail(string reason) => _runtime.Fail(reason);

    /// <summary>Tells the plugin, on its callback queue, that a new client connected.</summary>
    public void PostConnected(SseSession session) => _runtime.PostConnected(session);

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
        return _sessions.Find(sessionId);
    }

    public int Broadcast(string eventType, string data) => Broadcast(new SseEvent(eventType, data));

    /// <summary>
    /// Frames one event (here, once, outside any lock) and publishes it to the mount's channel,
    /// which gives it its id and hands it to every subscribed session; never waits for any one of
    /// them, nor for Redis. Returns how many sessions of this host took it, or, when the channel
    /// delivers later (through Redis), how many are subscribed now.
    /// </summary>
    public int Broadcast(SseEvent sseEvent)
    {
        ValueTask<PublishReceipt> publishing = BroadcastAsync(sseEvent);
        if (publishing.IsCompletedSuccessfully)
        {
            return publishing.Result.Delivered;
        }

        int subscribed = _channel.SubscriberCount;
        _ = ObserveAsync(publishing);
        return subscribed;
    }

    /// <summary>Broadcasts an event; completes with its id once this host's sessions have it.</summary>
    /// <exception cref="ChannelUnavailableException">The channel could not take it (Redis away and its buffer full).</exception>
    public ValueTask<PublishReceipt> BroadcastAsync(SseEvent sseEvent)
    {
        EventBody body = EventBody.From(sseEvent);
        ValueTask<PublishReceipt> publishing = _channel.PublishAsync(body);
        _metrics.Broadcast(Path);
        return publishing;
    }

    /// <inheritdoc/>
    async ValueTask<SseBroadcastReceipt> ISseMount.BroadcastAsync(string topic, SseEvent sseEvent)
    {
        ArgumentNullException.ThrowIfNull(sseEvent);
        SseTopics.EnsureValid(topic, nameof(topic));
        PublishReceipt receipt = await BroadcastAsync(topic, sseEvent).ConfigureAwait(false);
        return new SseBroadcastReceipt(receipt.Id, receipt.Delivered);
    }

    /// <summary>Broadcasts an event to one topic's followers (or, with no topic, to the whole mount); completes with its id once this host's sessions have it.</summary>
    /// <exception cref="ChannelUnavailableException">The channel could not take it (Redis away and its buffer full).</exception>
    public ValueTask<PublishReceipt> BroadcastAsync(string? topic, SseEvent sseEvent)
    {
        if (topic is null)
        {
            return BroadcastAsync(sseEvent);
        }

        ValueTask<PublishReceipt> publishing = _channel.PublishAsync(EventBody.To(topic, sseEvent));
        _metrics.Broadcast(Path);
        return publishing;
    }

    /// <inheritdoc/>
    async ValueTask<SseBroadcastReceipt> ISseMount.BroadcastAsync(SseEvent sseEvent)
    {
        ArgumentNullException.ThrowIfNull(sseEvent);
        PublishReceipt receipt = await BroadcastAsync(sseEvent).ConfigureAwait(false);
        return new SseBroadcastReceipt(receipt.Id, receipt.Delivered);
    }

    /// <summary>Sends an event to one session through the channel; false when it is not open here.</summary>
    public bool SendTo(string sessionId, SseEvent sseEvent) => _channel.SendTo(sessionId, EventBody.From(sseEvent));

    /// <inheritdoc/>
    bool IDirectRecipients.Deliver(string sessionId, byte[] frame) => DeliverDirect(sessionId, frame);

    /// <summary>Queues a framed event for one session of this host (sent to it alone); false when it is not here.</summary>
    public bool DeliverDirect(string sessionId, byte[] frame) =>
        _sessions.Find(sessionId) is { } session && session.Enqueue(new Outgoing(frame, 0));

    /// <summary>Registers a new session (findable from now on; it receives broadcasts once attached).</summary>
    /// <remarks>With a backplane, the other hosts can find it from now on too; <paramref name="sessionId"/> keeps the id of a session taken over from another host.</remarks>
    public SseSession CreateSession(SseRequest request, object? state, int queueCapacity, long maxQueueBytes, WriteScheduler scheduler, string? sessionId = null)
    {
        SseSession session = new(this, sessionId ?? SessionIds.NewId(), request, state, queueCapacity, maxQueueBytes,
            TimeSpan.FromSeconds(Definition.Delivery.SessionGraceSeconds), scheduler, _time);
        _sessions.Add(session);
        _cluster?.Opened(Path, session.SessionId);
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
    public bool TryEnterStream(int hostLimit) => _slots.TryEnter(hostLimit);

    /// <summary>Counts a refused stream; returns how many to report in a log line now, or 0.</summary>
    public long CountRefusal() => _slots.CountRefusal();

    /// <summary>
    /// Counts a call into the plugin's request handler, within <c>MaxConcurrentRequests</c>;
    /// false when that many are in hand and they are stuck. Over the limit a call is still let in
    /// while calls keep returning (quick ones that happen to overlap on a loaded machine), up to
    /// four times the limit; once none has returned for <see cref="StuckAfter"/>, the calls in
    /// hand are taken to be blocked and the rest are refused.
    /// </summary>
    public bool TryEnterRequest()
    {
        int limit = Definition.Delivery.MaxConcurrentRequests;
        int inHand = Interlocked.Increment(ref _requestsInPlugin);
        if (limit == 0 || inHand <= limit
            || (inHand <= limit * 4 && _time.GetElapsedTime(Volatile.Read(ref _lastReturn)) < StuckAfter))
        {
            return true;
        }

        Interlocked.Decrement(ref _requestsInPlugin);
        return false;
    }

    /// <summary>The calls in the plugin's request handler now.</summary>
    public int RequestsInPlugin => Volatile.Read(ref _requestsInPlugin);

    /// <summary>Ends a call counted by <see cref="TryEnterRequest"/>.</summary>
    public void ExitRequest()
    {
        Volatile.Write(ref _lastReturn, _time.GetTimestamp());
        Interlocked.Decrement(ref _requestsInPlugin);
    }

    /// <summary>Counts a request answered as busy; returns how many to log now (at most every 10 s), or 0.</summary>
    public long CountBusyRefusal() => _busy.Count();

    /// <summary>Counts a request refused over a rate limit; returns how many to log now (at most every 10 s), or 0.</summary>
    public long CountRateLimited() => _rateLimited.Count();

    public void ExitStream() => _slots.Exit();

    /// <summary>Takes an ended session out of the mount and off the channel.</summary>
    public void Remove(SseSession session)
    {
        _sessions.Remove(session);
        session.Unsubscribe();
        _cluster?.Closed(Path, session.SessionId);
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

        _runtime.PostDisconnected(session, _sessions.SeenOff);
    }

    /// <summary>
    /// Takes the mount out of service: its sessions end with reason <c>Shutdown</c>. Completes
    /// when the plugin has been told of each, or after the timeout.
    /// </summary>
    public async Task RetireAsync(TimeSpan timeout)
    {
        _retired = true;
        SignalStopping();
        CloseAll(SseDisconnectReason.Shutdown);
        await Task.WhenAny(_sessions.WhenAllSeenOffAsync(), Task.Delay(timeout, _time)).ConfigureAwait(false);
    }

    /// <summary>Signals the plugin instance's <see cref="SseServiceContext.Stopping"/> token: the mount is being retired or the host stops.</summary>
    public void SignalStopping() => _runtime.SignalStopping();

    /// <summary>Ends every session with a reason.</summary>
    public void CloseAll(SseDisconnectReason reason)
    {
        foreach (SseSession session in _sessions.Snapshot())
        {
            session.Close(reason);
        }
    }

    /// <summary>
    /// Disposes the plugin (after its earlier callbacks, within <paramref name="timeout"/>) and the channel.
    /// </summary>
    public async Task DisposeAsync(TimeSpan timeout)
    {
        _retired = true;
        _channel.Dispose();
        Expiries.Dispose();
        await _runtime.DisposeAsync(timeout).ConfigureAwait(false);
        if (RateLimits is not null)
        {
            await RateLimits.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <inheritdoc cref="DisposeAsync(TimeSpan)"/>
    public async ValueTask DisposeAsync() => await DisposeAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);

    /// <summary>Waits for a broadcast nobody awaits, so that its failure (logged by the channel) is observed.</summary>
    private static async Task ObserveAsync(ValueTask<PublishReceipt> publishing)
    {
        try
        {
            await publishing.ConfigureAwait(false);
        }
        catch (ChannelUnavailableException)
        {
            // The channel said so in its log, once per outage.
        }
    }

    [LoggerMessage(EventId = 21, Level = LogLevel.Debug, Message = "{Path}: session {SessionId} left ({Reason})")]
    private static partial void LogLeft(ILogger logger, string path, string sessionId, SseDisconnectReason reason);

    [LoggerMessage(EventId = 24, Level = LogLevel.Warning, Message = "{Path}: session {SessionId} dropped as a slow consumer: its queue is full")]
    private static partial void LogSlowConsumer(ILogger logger, string path, string sessionId);

    [LoggerMessage(EventId = 25, Level = LogLevel.Information, Message = "{Path}: session {SessionId} asked to resume after {LastEventId}, which the history no longer holds or which would not fit its queue; sent reset")]
    private static partial void LogReset(ILogger logger, string path, string sessionId, string lastEventId);
}
