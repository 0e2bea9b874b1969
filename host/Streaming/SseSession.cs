using System.Buffers;
using System.IO.Pipelines;
using SsePluginHost.Abstractions;
using SsePluginHost.Mounts;

namespace SsePluginHost.Streaming;

/// <summary>
/// One client session: what the plugin sees as <see cref="ISseClient"/>, its bounded queue of
/// framed events, and at most one connection writing it. The session outlives a connection that
/// drops for a grace period, so that a client that reconnects with its session id gets it back.
/// </summary>
internal sealed class SseSession : ISseClient
{
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(2);

    private readonly Mount _mount;
    private readonly EventQueue _queue;
    private readonly TimeSpan _grace;
    private readonly FlushTicker _ticker;
    private readonly Lock _gate = new();
    private Connection? _connection;
    private SocketStreamWriter? _socketWriter;
    private Timer? _graceTimer;
    private long _lastActivityTicks;
    private long _skipThrough;
    private long _lastWrittenSequence;
    private bool _closed;
    private int _notified;
    private volatile bool _receivesBroadcasts;

    public SseSession(Mount mount, string sessionId, SseRequest request, object? state, int queueCapacity, long maxQueueBytes, TimeSpan grace, FlushTicker ticker)
    {
        _ticker = ticker;
        _mount = mount;
        SessionId = sessionId;
        Request = request;
        State = state;
        ConnectedAt = DateTimeOffset.UtcNow;
        _grace = grace;
        _lastActivityTicks = Environment.TickCount64;
        _queue = new EventQueue(queueCapacity, maxQueueBytes);
    }

    public string SessionId { get; }

    public SseRequest Request { get; }

    public DateTimeOffset ConnectedAt { get; }

    public object? State { get; set; }

    public bool IsConnected
    {
        get
        {
            lock (_gate)
            {
                return !_closed;
            }
        }
    }

    /// <summary>Whether a connection is writing this session now (false while it waits to be resumed).</summary>
    public bool IsAttached => Volatile.Read(ref _connection) is not null;

    /// <summary>Whether broadcasts are queued for this session: set by the mount under its publish lock.</summary>
    public bool ReceivesBroadcasts
    {
        get => _receivesBroadcasts;
        set => _receivesBroadcasts = value;
    }

    /// <summary>Where the session is in its mount's list of sessions that receive broadcasts, or -1; kept by the mount under its publish lock.</summary>
    public int AttachedIndex { get; set; } = -1;

    /// <summary>Why the session ended; meaningful once <see cref="IsConnected"/> is false.</summary>
    public SseDisconnectReason Reason { get; private set; }

    /// <summary>Milliseconds (<see cref="Environment.TickCount64"/>) when something was last queued.</summary>
    public long LastActivityTicks => Volatile.Read(ref _lastActivityTicks);

    /// <summary>The sequence number of the last broadcast written to a connection.</summary>
    public long LastWrittenSequence => Volatile.Read(ref _lastWrittenSequence);

    public string MountPath => _mount.Path;

    public bool Send(SseEvent sseEvent)
    {
        ArgumentNullException.ThrowIfNull(sseEvent);
        return Enqueue(new Outgoing(SseFramer.Frame(sseEvent), 0));
    }

    public bool Send(string eventType, string data) => Send(new SseEvent(eventType, data));

    public bool Send(string eventType, IEnumerable<string> lines) => Send(SseEvent.FromLines(eventType, lines));

    public void Drop() => Close(SseDisconnectReason.Dropped);

    /// <summary>Queues a framed event; a client whose queue is full (events or bytes) is dropped as a slow consumer.</summary>
    public bool Enqueue(Outgoing item) => Enqueue(item, Environment.TickCount64);

    /// <inheritdoc cref="Enqueue(Outgoing)"/>
    /// <param name="item">The framed event.</param>
    /// <param name="nowTicks">The time now (<see cref="Environment.TickCount64"/>), read once by a caller that queues for many.</param>
    public bool Enqueue(Outgoing item, long nowTicks)
    {
        if (!_queue.TryEnqueue(item))
        {
            if (IsConnected)
            {
                Close(SseDisconnectReason.SlowConsumer);
            }

            return false;
        }

        Volatile.Write(ref _lastActivityTicks, nowTicks);
        Volatile.Read(ref _socketWriter)?.Schedule();
        return true;
    }

    /// <summary>Broadcasts up to this sequence number reach the client by replay: skip their queued copies.</summary>
    public void SkipBroadcastsThrough(long sequence) => Volatile.Write(ref _skipThrough, sequence);

    /// <summary>
    /// Ends the session with a reason; the first reason wins. What is queued is still written (for
    /// at most a short while) unless the client is gone or too slow to take it. The plugin is told
    /// once the connection's writer has finished.
    /// </summary>
    public void Close(SseDisconnectReason reason)
    {
        Connection? connection;
        lock (_gate)
        {
            if (_closed)
            {
                return;
            }

            _closed = true;
            Reason = reason;
            connection = _connection;
            _graceTimer?.Dispose();
            _graceTimer = null;
        }

        _receivesBroadcasts = false;
        _mount.Remove(this);
        _queue.Complete();
        Volatile.Read(ref _socketWriter)?.Schedule();
        if (connection is null)
        {
            NotifyEnded();
        }
        else if (reason is SseDisconnectReason.SlowConsumer or SseDisconnectReason.ClosedByClient)
        {
            connection.Stop();
        }
        else
        {
            connection.StopAfter(DrainTimeout);
        }
    }

    /// <summary>Stops the connection writing this session now, if any, without ending the session.</summary>
    public async Task TakeOverAsync()
    {
        Connection? previous;
        lock (_gate)
        {
            previous = _connection;
            _graceTimer?.Dispose();
            _graceTimer = null;
        }

        if (previous is not null)
        {
            previous.Replace();
            await previous.Done.ConfigureAwait(false);
        }
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

            FlushResult first = await output.FlushAsync(me.Token).ConfigureAwait(false);
            while (!first.IsCompleted && await _queue.WaitToReadAsync(me.Token).ConfigureAwait(false))
            {
                if (_ticker.Enabled)
                {
                    // Let the events of the next moment join this one in a single write.
                    await _ticker.NextAsync().ConfigureAwait(false);
                }

                Drain(output, int.MaxValue, out _);
                FlushResult flushed = await output.FlushAsync(me.Token).ConfigureAwait(false);
                if (flushed.IsCompleted || flushed.IsCanceled)
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
        SocketStreamWriter writer = new(socket, this, _ticker, me.Token);
        try
        {
            ArrayBufferWriter<byte> first = new();
            foreach (ReadOnlyMemory<byte> frame in preamble)
            {
                first.Write(frame.Span);
            }

            preamble = []; // not kept for the life of the stream

            // The preamble goes out even to a session that was closed as it connected, as the
            // session id tells the client whom it was.
            await socket.SendAsync(first.WrittenMemory, System.Net.Sockets.SocketFlags.None, requestAborted).ConfigureAwait(false);
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
    /// (the session closed and everything was taken); <paramref name="more"/> says whether some is left.
    /// </summary>
    public bool Drain(IBufferWriter<byte> into, int maxBytes, out bool more)
    {
        bool finished = _queue.DrainInto(into, maxBytes, Volatile.Read(ref _skipThrough), out long lastSequence, out more);
        if (lastSequence != 0)
        {
            Volatile.Write(ref _lastWrittenSequence, lastSequence);
        }

        return finished;
    }

    /// <summary>Makes a new connection the session's writer (stopped at once if the session is closed).</summary>
    private Connection Connect()
    {
        Connection me = new();
        lock (_gate)
        {
            if (_closed)
            {
                me.Stop();
            }

            _connection = me;
        }

        return me;
    }

    private void Finish(Connection me)
    {
        bool closed;
        lock (_gate)
        {
            if (ReferenceEquals(_connection, me))
            {
                _connection = null;
            }

            closed = _closed;
        }

        if (closed)
        {
            NotifyEnded();
        }
        else if (!me.WasReplaced)
        {
            _mount.Detach(this);
            if (_grace <= TimeSpan.Zero)
            {
                Close(SseDisconnectReason.ClosedByClient);
            }
            else
            {
                lock (_gate)
                {
                    if (!_closed && _connection is null)
                    {
                        _graceTimer = new Timer(static state => ((SseSession)state!).GraceExpired(), this, _grace, Timeout.InfiniteTimeSpan);
                    }
                }
            }
        }

        me.Complete();
    }

    private void GraceExpired()
    {
        lock (_gate)
        {
            if (_closed || _connection is not null)
            {
                return;
            }
        }

        Close(SseDisconnectReason.ClosedByClient);
    }

    private void NotifyEnded()
    {
        if (Interlocked.Exchange(ref _notified, 1) == 0)
        {
            _mount.OnSessionEnded(this);
        }
    }

    /// <summary>One connection writing the session: how to stop it, and when it has stopped.</summary>
    private sealed class Connection
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private volatile bool _replaced;

        public CancellationToken Token => _stop.Token;

        public Task Done => _done.Task;

        public bool WasReplaced => _replaced;

        public void Stop() => Try(() => _stop.Cancel());

        public void StopAfter(TimeSpan delay) => Try(() => _stop.CancelAfter(delay));

        public void Replace()
        {
            _replaced = true;
            Stop();
        }

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
