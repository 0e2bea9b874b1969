using System.Buffers;
using System.IO.Pipelines;
using SsePluginHost.Abstractions;
using SsePluginHost.Channels;
using SsePluginHost.Mounts;

namespace SsePluginHost.Streaming;

/// <summary>
/// One client session: what the plugin sees as <see cref="ISseClient"/>, its bounded queue of
/// framed events, and at most one connection writing it. The session outlives a connection that
/// drops for a grace period, so that a client that reconnects with its session id gets it back.
/// While a connection is attached the session is subscribed to its mount's channel, which hands
/// it the replay and then the live events.
/// </summary>
internal sealed class SseSession : ISseClient, IChannelSubscriber, IStreamSource, Auth.IExpiring
{
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(2);

    /// <summary>What a client gets when the credentials of its stream expire, before the stream ends.</summary>
    private static readonly byte[] AuthExpiredFrame =
        SseFramer.FrameBody("auth-expired", "The credentials this stream was opened with have expired: get a fresh token and reconnect.");

    /// <summary>The most bytes a writer through ASP.NET Core takes from the queue before it flushes.</summary>
    private const int MaxWriteBytes = 64 * 1024;

    private readonly Mount _mount;
    private readonly EventQueue _queue;
    private readonly TimeSpan _grace;
    private readonly WriteScheduler _scheduler;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();

    // The state machine's fields, changed only by Transition, under the gate.
    private SessionState _state = SessionState.Connecting;
    private Connection? _connection;
    private ITimer? _graceTimer;
    private long _graceGeneration;
    private long _expiryKey;

    // The topics it follows: replaced whole (copy on write), read without a lock by the channel,
    // which is told of each change through the subscription (it indexes its subscribers by topic).
    private string[] _topics = [];

    private SocketStreamWriter? _socketWriter;
    private IChannelSubscription? _subscription;
    private ReplayFrom _startingFrom;
    private bool _startedWithReset;
    private long _lastActivity;
    private long _lastWrittenSequence;
    private int _notified;
    private bool _announced;
    private bool _endWaitsForAnnouncement;

    public SseSession(Mount mount, string sessionId, SseRequest request, object? state, int queueCapacity, long maxQueueBytes, TimeSpan grace,
        WriteScheduler scheduler, TimeProvider time)
    {
        _scheduler = scheduler;
        _mount = mount;
        _time = time;
        SessionId = sessionId;
        Request = request;
        State = state;
        ConnectedAt = time.GetUtcNow();
        _grace = grace;
        _lastActivity = time.GetTimestamp();
        _queue = new EventQueue(queueCapacity, maxQueueBytes);
    }

    /// <summary>What makes the session change state.</summary>
    private enum Trigger
    {
        /// <summary>A connection for this session arrived: the one writing it, if any, is to stop.</summary>
        Resume,

        /// <summary>A connection starts writing the session.</summary>
        Connect,

        /// <summary>The connection writing the session finished.</summary>
        ConnectionEnded,

        /// <summary>The grace period of an away session ran out.</summary>
        GraceExpired,

        /// <summary>The session is ended, with a reason.</summary>
        Close,
    }

    public string SessionId { get; }

    public SseRequest Request { get; }

    public DateTimeOffset ConnectedAt { get; }

    public object? State { get; set; }

    public bool IsConnected => Lifecycle != SessionState.Closed;

    /// <summary>Where the session is in its life now.</summary>
    public SessionState Lifecycle
    {
        get
        {
            lock (_gate)
            {
                return _state;
            }
        }
    }

    /// <summary>Whether a connection is writing this session now (false while it waits to be resumed).</summary>
    public bool IsAttached => Volatile.Read(ref _connection) is not null;

    /// <summary>Why the session ended; meaningful once <see cref="IsConnected"/> is false.</summary>
    public SseDisconnectReason Reason { get; private set; }

    /// <summary>When something was last queued, in <see cref="TimeProvider.GetTimestamp"/> units of the session's clock.</summary>
    public long LastActivity => Volatile.Read(ref _lastActivity);

    /// <summary>The channel sequence of the last broadcast written to a connection (or of the newest one when it first subscribed).</summary>
    public long LastWrittenSequence => Volatile.Read(ref _lastWrittenSequence);

    public string MountPath => _mount.Path;

    public bool Send(SseEvent sseEvent)
    {
        ArgumentNullException.ThrowIfNull(sseEvent);
        return _mount.SendTo(SessionId, sseEvent);
    }

    public bool Send(string eventType, string data) => Send(new SseEvent(eventType, data));

    public bool Send(string eventType, IEnumerable<string> lines) => Send(SseEvent.FromLines(eventType, lines));

    public void Drop() => Close(SseDisconnectReason.Dropped);

    public IReadOnlyCollection<string> Topics => Volatile.Read(ref _topics);

    public bool Follow(string topic)
    {
        SseTopics.EnsureValid(topic, nameof(topic));
        if (!IsConnected)
        {
            return false;
        }

        while (true)
        {
            string[] now = Volatile.Read(ref _topics);
            if (Array.IndexOf(now, topic) >= 0)
            {
                return false;
            }

            if (now.Length >= SseTopics.MaxPerClient)
            {
                throw new ArgumentException($"A client follows at most {SseTopics.MaxPerClient} topics.", nameof(topic));
            }

            if (Interlocked.CompareExchange(ref _topics, [.. now, topic], now) == now)
            {
                Volatile.Read(ref _subscription)?.Refresh(topic);
                return true;
            }
        }
    }

    public bool Unfollow(string topic)
    {
        while (true)
        {
            string[] now = Volatile.Read(ref _topics);
            int at = Array.IndexOf(now, topic);
            if (at < 0)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref _topics, [.. now[..at], .. now[(at + 1)..]], now) == now)
            {
                Volatile.Read(ref _subscription)?.Refresh(topic);
                return true;
            }
        }
    }

    /// <summary>
    /// The topics a stream opens with (checked by <see cref="SseResponse"/>), added before the
    /// session subscribes so that its replay covers them. A resumed session may still be subscribed
    /// (its earlier connection is being replaced): that subscription is told of them too.
    /// </summary>
    public void FollowAtStart(IReadOnlyList<string> topics)
    {
        foreach (string topic in topics)
        {
            while (true)
            {
                string[] now = Volatile.Read(ref _topics);
                if (now.Length >= SseTopics.MaxPerClient || Array.IndexOf(now, topic) >= 0)
                {
                    break;
                }

                if (Interlocked.CompareExchange(ref _topics, [.. now, topic], now) == now)
                {
                    Volatile.Read(ref _subscription)?.Refresh(topic);
                    break;
                }
            }
        }
    }

    /// <inheritdoc/>
    bool IChannelSubscriber.Follows(string topic) => Array.IndexOf(Volatile.Read(ref _topics), topic) >= 0;

    /// <summary>
    /// Ends the session when the credentials of its stream (the latest, when it is resumed with
    /// fresh ones) expire: the client is sent an <c>auth-expired</c> event, and the session is closed
    /// with <see cref="SseDisconnectReason.CredentialsExpired"/>.
    /// </summary>
    public void EndWhenCredentialsExpire(DateTimeOffset expires)
    {
        Auth.ExpirySchedule schedule = _mount.Expiries;
        long key = schedule.Add(this, expires);
        long earlier = Interlocked.Exchange(ref _expiryKey, key);
        if (earlier != key)
        {
            schedule.Remove(this, earlier);
        }

        if (!IsConnected)
        {
            // Closed meanwhile: the close may have looked for the entry before it was made.
            schedule.Remove(this, Interlocked.Exchange(ref _expiryKey, 0));
        }
    }

    /// <summary>The schedule's call: the credentials of the stream expired.</summary>
    void Auth.IExpiring.Expire(long key)
    {
        // Only the latest credentials count: those of a stream this one resumed may expire first.
        if (Interlocked.CompareExchange(ref _expiryKey, 0, key) == key && IsConnected)
        {
            Enqueue(new Outgoing(AuthExpiredFrame, 0));
            Close(SseDisconnectReason.CredentialsExpired);
        }
    }

    /// <summary>Queues a framed event; a client whose queue is full (events or bytes) is dropped as a slow consumer.</summary>
    public bool Enqueue(Outgoing item) => Enqueue(item, _time.GetTimestamp());

    /// <inheritdoc cref="Enqueue(Outgoing)"/>
    /// <param name="item">The framed event.</param>
    /// <param name="now">The time now (<see cref="TimeProvider.GetTimestamp"/>), read once by a caller that queues for many.</param>
    public bool Enqueue(Outgoing item, long now)
    {
        if (!_queue.TryEnqueue(item))
        {
            if (IsConnected)
            {
                Close(SseDisconnectReason.SlowConsumer);
            }

            return false;
        }

        Volatile.Write(ref _lastActivity, now);
        Volatile.Read(ref _socketWriter)?.Schedule();
        return true;
    }

    /// <summary>
    /// Subscribes the session to its mount's channel from a position, replacing its earlier
    /// subscription: the replay (or a reset notice) goes in front of what is queued, then the live
    /// events follow. Returns whether the client was sent a reset: its position was unknown or
    /// too old, or the replay would not fit in its queue's limits.
    /// </summary>
    public bool Subscribe(IMountChannel channel, ReplayFrom from)
    {
        Interlocked.Exchange(ref _subscription, null)?.Dispose();
        _startingFrom = from;
        IChannelSubscription subscription = channel.Subscribe(this, from, out _);
        Interlocked.Exchange(ref _subscription, subscription)?.Dispose();

        // A Follow or Unfollow between the channel's reading of the topics and now told the
        // earlier subscription, or none: this one reads them all once more.
        subscription.RefreshAll();
        if (!IsConnected)
        {
            // Closed meanwhile: the close may have looked for the subscription before it was set.
            Unsubscribe();
        }

        return _startedWithReset;
    }

    /// <summary>Stops the channel's live events for this session (it may subscribe again when resumed).</summary>
    public void Unsubscribe() => Interlocked.Exchange(ref _subscription, null)?.Dispose();

    /// <summary>Called by the channel, under its lock, before any live event.</summary>
    void IChannelSubscriber.OnStart(ChannelStart start)
    {
        bool reset = start.Reset;
        bool tooMuch = false;
        if (!reset && start.Replay.Count > 0)
        {
            Outgoing[] replay = new Outgoing[start.Replay.Count];
            for (int i = 0; i < replay.Length; i++)
            {
                replay[i] = new Outgoing(start.Replay[i].Frame, start.Replay[i].Sequence);
            }

            // The replay's frames are the history's own (shared, not copied), and they count
            // against this client's limits like live events: one that does not fit is a reset.
            reset = tooMuch = !_queue.TryPutFirst(replay, start.HeadSequence);
        }
        else if (!reset)
        {
            _queue.TryPutFirst([], start.HeadSequence);
        }

        if (reset && !_queue.TryPutFirst([new Outgoing(ResetNotice.Frame(_startingFrom.ToString(), tooMuch), 0)], start.HeadSequence))
        {
            Close(SseDisconnectReason.SlowConsumer);
        }

        if (reset || Volatile.Read(ref _lastWrittenSequence) == 0)
        {
            Volatile.Write(ref _lastWrittenSequence, start.HeadSequence);
        }

        _startedWithReset = reset;
    }

    /// <summary>Called by the channel, under its lock, for each live event.</summary>
    bool IChannelSubscriber.OnEvent(ChannelEvent channelEvent) =>
        Enqueue(new Outgoing(channelEvent.Frame, channelEvent.Sequence), channelEvent.Timestamp);

    /// <summary>
    /// Ends the session with a reason; the first reason wins. What is queued is still written (for
    /// at most a short while) unless the client is gone or too slow to take it. The plugin is told
    /// once the connection's writer has finished.
    /// </summary>
    public void Close(SseDisconnectReason reason) => Apply(Transition(Trigger.Close, null, reason));

    /// <summary>
    /// Lets the session go to another host, which a client reconnected to: it ends here (the
    /// plugin is told, reason <c>ClosedByClient</c>) and the events sent to it alone that it has
    /// not had yet are returned, to be written by the other host.
    /// </summary>
    public List<ReadOnlyMemory<byte>> Release()
    {
        List<ReadOnlyMemory<byte>> direct = _queue.TakeDirect();
        Close(SseDisconnectReason.ClosedByClient);
        return direct;
    }

    /// <summary>Stops the connection writing this session now, if any, without ending the session.</summary>
    public async Task TakeOverAsync()
    {
        Effects effects = Transition(Trigger.Resume, null, default);
        Apply(effects);
        if (effects.Replaced is { } previous)
        {
            await previous.Done.ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The session's one transition: from its state and a trigger, its next state and what is to
    /// be done, decided under the gate; <see cref="Apply"/> does that work after, outside it.
    /// </summary>
    private Effects Transition(Trigger trigger, Connection? connection, SseDisconnectReason reason)
    {
        lock (_gate)
        {
            if (_state == SessionState.Closed)
            {
                return trigger switch
                {
                    // A connection of a closed session stops at once (its preamble still says who it was).
                    Trigger.Connect => Attach(connection!) with { StopNow = connection },
                    Trigger.ConnectionEnded => Detach(connection!) with { Notify = true },
                    _ => default,
                };
            }

            switch (trigger)
            {
                case Trigger.Resume:
                    Connection? previous = _connection;
                    previous?.MarkReplaced();
                    _state = SessionState.Resumed;
                    return new Effects { Replaced = previous, CancelledTimer = TakeGraceTimer() };

                case Trigger.Connect:
                    Effects connected = Attach(connection!);
                    _state = SessionState.Connected;
                    return connected with { CancelledTimer = TakeGraceTimer() };

                case Trigger.ConnectionEnded:
                    Effects ended = Detach(connection!);
                    if (connection!.WasReplaced || _connection is not null)
                    {
                        // Another connection has it (or is taking it over).
                        return ended;
                    }

                    if (_grace <= TimeSpan.Zero)
                    {
                        return CloseNow(SseDisconnectReason.ClosedByClient);
                    }

                    _state = SessionState.Away;
                    long generation = ++_graceGeneration;
                    _graceTimer = _time.CreateTimer(
                        static state => ((GraceToken)state!).Expire(), new GraceToken(this, generation), _grace, Timeout.InfiniteTimeSpan);
                    return ended with { Unsubscribe = true };

                case Trigger.GraceExpired:
                    return _state == SessionState.Away ? CloseNow(SseDisconnectReason.ClosedByClient) : default;

                case Trigger.Close:
                    return CloseNow(reason);

                default:
                    return default;
            }
        }
    }

    /// <summary>Under the gate: the session is closed with a reason; what that takes.</summary>
    private Effects CloseNow(SseDisconnectReason reason)
    {
        _state = SessionState.Closed;
        Reason = reason;
        Effects effects = new() { Ended = true, CancelledTimer = TakeGraceTimer() };
        if (_connection is null)
        {
            return effects with { Notify = true };
        }

        // A client gone or too slow is cut off at once, and so is a dropped one (or one the host
        // stops) that is not taking what was sent; otherwise what is queued may still go out,
        // for a short while.
        bool cut = reason is SseDisconnectReason.SlowConsumer or SseDisconnectReason.ClosedByClient
            || (reason is SseDisconnectReason.Dropped or SseDisconnectReason.Shutdown && Volatile.Read(ref _socketWriter) is { IsSending: true });
        return cut ? effects with { StopNow = _connection } : effects with { StopAfterDrain = _connection };
    }

    /// <summary>Under the gate: a connection becomes the writer; one still writing is replaced.</summary>
    private Effects Attach(Connection connection)
    {
        Connection? previous = _connection;
        _connection = connection;
        if (previous is not null && !ReferenceEquals(previous, connection))
        {
            previous.MarkReplaced();
            return new Effects { Replaced = previous };
        }

        return default;
    }

    /// <summary>Under the gate: a finished connection is no longer the writer.</summary>
    private Effects Detach(Connection connection)
    {
        if (ReferenceEquals(_connection, connection))
        {
            _connection = null;
        }

        return default;
    }

    /// <summary>Under the gate: takes the grace timer, if any, for <see cref="Apply"/> to dispose.</summary>
    private ITimer? TakeGraceTimer()
    {
        ITimer? timer = _graceTimer;
        _graceTimer = null;
        _graceGeneration++;
        return timer;
    }

    /// <summary>Does, outside the gate, what a transition decided.</summary>
    private void Apply(in Effects effects)
    {
        effects.CancelledTimer?.Dispose();
        effects.Replaced?.Stop();
        if (effects.Ended)
        {
            _mount.Expiries.Remove(this, Interlocked.Exchange(ref _expiryKey, 0));
            _mount.Remove(this);
            _queue.Complete();
            Volatile.Read(ref _socketWriter)?.Schedule();
        }

        if (effects.Unsubscribe)
        {
            Unsubscribe();
        }

        effects.StopNow?.Stop();
        effects.StopAfterDrain?.StopAfter(DrainTimeout);
        if (effects.Notify)
        {
            NotifyEnded();
        }
    }

    /// <summary>The grace timer's callback: ends the session if it is still away with this timer.</summary>
    private void GraceExpired(long generation)
    {
        Effects effects;
        lock (_gate)
        {
            effects = generation == _graceGeneration ? Transition(Trigger.GraceExpired, null, default) : default;
        }

        Apply(effects);
    }

    /// <summary>
    /// Writes the preamble (session-id, retry, replay) and then the queue into the response until
    /// the connection or the session ends.
    /// </summary>
    public async Task RunAsync(PipeWriter output, IReadOnlyList<ReadOnlyMemory<byte>> preamble, CancellationToken requestAborted)
    {
        Connection me = Connect();
        using CancellationTokenRegistration onAbort = requestAborted.Register(static state => ((Connection)state!).Stop(), me);
        try
        {
            foreach (ReadOnlyMemory<byte> frame in preamble)
            {
                output.Write(frame.Span);
            }

            // As on the socket: the preamble goes out even to a session closed as it connected.
            CancellationToken preambleStop = me.Token.IsCancellationRequested ? requestAborted : me.Token;
            FlushResult first = await output.FlushAsync(preambleStop).ConfigureAwait(false);
            while (!first.IsCompleted && await _queue.WaitToReadAsync(me.Token).ConfigureAwait(false))
            {
                if (_scheduler.UnderPressure)
                {
                    // The host is backed up: let what arrives until the next round join this in one write.
                    await _scheduler.NextRoundAsync().ConfigureAwait(false);
                }

                if (!await WriteQueuedAsync(output, me.Token).ConfigureAwait(false))
                {
                    break;
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Stopped: the session ended, the client went away, or another connection took over.
        }
        catch (IOException)
        {
            // The connection broke while writing.
        }
        finally
        {
            Finish(me);
        }
    }

    /// <summary>
    /// Writes the preamble and then the queue straight to a socket (see <see cref="SocketStreamWriter"/>)
    /// until the connection or the session ends.
    /// </summary>
    public async Task RunOnSocketAsync(System.Net.Sockets.Socket socket, IReadOnlyList<ReadOnlyMemory<byte>> preamble, CancellationToken requestAborted)
    {
        Connection me = Connect();
        using CancellationTokenRegistration onAbort = requestAborted.Register(static state => ((Connection)state!).Stop(), me);
        SocketStreamWriter writer = new(new NetworkStreamSocket(socket), this, _scheduler, me.Token);
        try
        {
            ArrayBufferWriter<byte> first = new();
            foreach (ReadOnlyMemory<byte> frame in preamble)
            {
                first.Write(frame.Span);
            }

            preamble = []; // not kept for the life of the stream

            // The preamble (session-id and retry: a few dozen bytes; a replay is in the queue)
            // goes out even to a session that was closed as it connected, as the session id
            // tells the client whom it was; otherwise a stop of the session stops it too.
            CancellationToken preambleStop = me.Token.IsCancellationRequested ? requestAborted : me.Token;
            await socket.SendAsync(first.WrittenMemory, System.Net.Sockets.SocketFlags.None, preambleStop).ConfigureAwait(false);
            socket.Blocking = false;
            Volatile.Write(ref _socketWriter, writer);
            writer.Schedule();
            await writer.Ended.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or System.Net.Sockets.SocketException or ObjectDisposedException)
        {
            // Stopped, or the connection broke.
        }
        finally
        {
            Interlocked.CompareExchange(ref _socketWriter, null, writer);
            Finish(me);
        }
    }

    /// <summary>
    /// Moves what is queued into <paramref name="into"/>, up to about <paramref name="maxBytes"/>,
    /// skipping broadcasts that the replay already carried. Returns whether the queue is finished
    /// (the session closed and everything was taken); <paramref name="more"/> says whether some is
    /// left, <paramref name="events"/> how many events were taken.
    /// </summary>
    public bool Drain(IBufferWriter<byte> into, int maxBytes, out bool more, out int events)
    {
        bool finished = _queue.DrainInto(into, maxBytes, out long lastSequence, out more, out events);
        if (lastSequence != 0)
        {
            Volatile.Write(ref _lastWrittenSequence, lastSequence);
        }

        return finished;
    }

    /// <summary>Writes what is queued, a bounded piece at a time; false once the response can take no more.</summary>
    private async ValueTask<bool> WriteQueuedAsync(PipeWriter output, CancellationToken stop)
    {
        bool more;
        do
        {
            Drain(output, MaxWriteBytes, out more, out _);
            FlushResult flushed = await output.FlushAsync(stop).ConfigureAwait(false);
            if (flushed.IsCompleted || flushed.IsCanceled)
            {
                return false;
            }
        }
        while (more);
        return true;
    }

    /// <summary>Makes a new connection the session's writer (stopped at once if the session is closed).</summary>
    private Connection Connect()
    {
        Connection me = new(_time);
        Apply(Transition(Trigger.Connect, me, default));
        return me;
    }

    private void Finish(Connection me)
    {
        Apply(Transition(Trigger.ConnectionEnded, me, default));
        me.Complete();
    }

    /// <summary>
    /// Tells the plugin that this new session connected (on the mount's callback queue). A
    /// session that ended before this is told of its end only after: connect comes before disconnect.
    /// </summary>
    public void AnnounceConnected()
    {
        bool ended;
        lock (_gate)
        {
            _announced = true;
            ended = _endWaitsForAnnouncement;
            _endWaitsForAnnouncement = false;
        }

        _mount.PostConnected(this);
        if (ended)
        {
            _mount.OnSessionEnded(this);
        }
    }

    private void NotifyEnded()
    {
        if (Interlocked.Exchange(ref _notified, 1) != 0)
        {
            return;
        }

        lock (_gate)
        {
            if (!_announced)
            {
                _endWaitsForAnnouncement = true;
                return;
            }
        }

        _mount.OnSessionEnded(this);
    }

    /// <summary>What a transition leaves to be done outside the gate.</summary>
    private readonly record struct Effects
    {
        /// <summary>A connection that another takes over from: stopped, and awaited by a resume.</summary>
        public Connection? Replaced { get; init; }

        /// <summary>A grace timer to dispose.</summary>
        public ITimer? CancelledTimer { get; init; }

        /// <summary>The session closed: out of the mount, its queue completed.</summary>
        public bool Ended { get; init; }

        /// <summary>Its connection went: no more live events until it is resumed.</summary>
        public bool Unsubscribe { get; init; }

        /// <summary>A connection to stop now.</summary>
        public Connection? StopNow { get; init; }

        /// <summary>A connection to stop once what is queued had a short while to go out.</summary>
        public Connection? StopAfterDrain { get; init; }

        /// <summary>Tell the plugin that the session ended.</summary>
        public bool Notify { get; init; }
    }

    /// <summary>The grace timer's state: which session, and which of its timers.</summary>
    private sealed class GraceToken(SseSession session, long generation)
    {
        public void Expire() => session.GraceExpired(generation);
    }

    /// <summary>One connection writing the session: how to stop it, and when it has stopped.</summary>
    private sealed class Connection(TimeProvider time)
    {
        // The system clock's source makes its timer only if a drain asks for one.
        private readonly CancellationTokenSource _stop = time == TimeProvider.System ? new() : new(Timeout.InfiniteTimeSpan, time);
        private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private volatile bool _replaced;

        public CancellationToken Token => _stop.Token;

        public Task Done => _done.Task;

        public bool WasReplaced => _replaced;

        public void Stop() => Try(() => _stop.Cancel());

        public void StopAfter(TimeSpan delay) => Try(() => _stop.CancelAfter(delay));

        /// <summary>Marks it as taken over by another connection (under the session's gate); it is stopped after.</summary>
        public void MarkReplaced() => _replaced = true;

        public void Complete()
        {
            _done.TrySetResult();
            _stop.Dispose();
        }

        private static void Try(Action action)
        {
            try
            {
                action();
            }
            catch (ObjectDisposedException)
            {
                // The connection has already finished.
            }
        }
    }
}
