using System.Collections.Concurrent;
using System.Globalization;
using SsePluginHost.Abstractions;
using SsePluginHost.Channels;
using SsePluginHost.Configuration;
using SsePluginHost.Streaming;
using StackExchange.Redis;

namespace SsePluginHost.Backplane;

/// <summary>
/// A mount's channel shared by every host that serves the mount, through one Redis: the mount's
/// events are entries of a Redis Stream, and their ids are the stream's ids, the same on every
/// node. Each node reads the stream in order and hands each entry to its own subscribers, so a
/// client gets the same events, in the same order, with the same ids, whichever node it is on.
/// </summary>
/// <remarks>
/// <para>
/// Publishing runs one script in Redis that numbers the event (a counter next to the stream),
/// appends it, trims the stream and notifies the nodes (pub/sub). Notifications only wake the
/// reader: it reads the stream from its own position, so a lost notification costs nothing but a
/// moment, and the numbers show a gap (entries trimmed before this node read them) or a Redis
/// that lost its data, which end in a <c>reset</c> event for the clients.
/// </para>
/// <para>
/// Each node keeps the mount's history (its <see cref="HistorySettings"/>) from what it read, so
/// replay, hand-over to live and the history's limits are those of the in-process channel. A new
/// node loads the newest events from the stream first, so a client that fails over to it with
/// <c>Last-Event-ID</c> gets exactly what it missed.
/// </para>
/// <para>
/// While Redis is away, what is published here waits in a bounded buffer and goes out, in order,
/// once it is back (after this node has read what reached Redis before: nothing twice). Past the
/// bound an event is refused (<see cref="ChannelUnavailableException"/>) and, once Redis is back,
/// a reset entry tells every node's clients that they may have missed events.
/// </para>
/// </remarks>
internal sealed partial class RedisMountChannel : IMountChannel
{
    private const int ReadBatch = 1_000;
    private static readonly TimeSpan SafetyPoll = TimeSpan.FromSeconds(5);

    // KEYS: stream, counter. ARGV: length to keep, body, own id, node, token, kind ('e' event,
    // 'r' reset), age to keep in ms (0: no age trim), the channel to notify, topic ('' for the
    // whole mount). The notification announces the entry whole (see Entry.FromAnnouncement), so
    // that a host can deliver it without reading the stream.
    private const string PublishScript = """
        local s = redis.call('INCR', KEYS[2])
        local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', 's', s, 'k', ARGV[6], 'b', ARGV[2], 'o', ARGV[3], 'n', ARGV[4], 't', ARGV[5], 'p', ARGV[9])
        local age = tonumber(ARGV[7])
        if age > 0 then
          local now = redis.call('TIME')
          local oldest = (tonumber(now[1]) * 1000) + math.floor(tonumber(now[2]) / 1000) - age
          if oldest > 0 then
            redis.call('XTRIM', KEYS[1], 'MINID', '~', string.format('%.0f', oldest))
          end
        end
        redis.call('PUBLISH', ARGV[8], 'e1\n' .. id .. '\n' .. string.format('%d', s) .. '\n' .. ARGV[6] .. '\n' .. ARGV[3] .. '\n' .. ARGV[4] .. '\n' .. ARGV[5] .. '\n' .. ARGV[9] .. '\n' .. ARGV[2])
        return id
        """;

    private readonly RedisBackplane _backplane;
    private readonly ChannelFanOut _fanOut;
    private readonly IDirectRecipients _recipients;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly string _path;
    private readonly HistorySettings _history;
    private readonly RedisKey[] _keys;
    private readonly RedisChannel _notifications;
    private readonly RedisValue _notificationName;
    private readonly RedisValue _keep;
    private readonly RedisValue _keepAgeMs;
    private readonly string _publisher;
    private readonly Action<RedisChannel, RedisValue> _onNotification;
    private readonly CancellationTokenSource _stopping = new();
    private readonly SemaphoreSlim _wake = new(0, 1);
    private readonly ConcurrentQueue<Entry> _announced = new();
    private readonly Task _reader;

    // What was published here and has not come back from the stream yet (under _outLock).
    private readonly Lock _outLock = new();
    private readonly Dictionary<long, Pending> _pending = [];
    private readonly SortedDictionary<long, Pending> _buffer = [];
    private bool _direct;
    private bool _lostWhileAway;
    private bool _disposed;
    private long _nextToken;
    private int _inFlight;

    // The reader's position in the stream (only the reader touches them).
    private string _lastId = "0-0";
    private long _lastNumber;
    private bool _synced;
    private volatile bool _checkPositions;

    // 1 when the reader must read the stream rather than trust the announcements: at start, after
    // an announcement it could not read (from an older host), after a quiet spell.
    private int _mustRead = 1;

    public RedisMountChannel(string mountPath, HistorySettings history, IDirectRecipients recipients, RedisBackplane backplane, TimeProvider time, ILogger logger,
        IFanOutBurst? burst = null)
    {
        _path = mountPath;
        _history = history;
        _recipients = recipients;
        _backplane = backplane;
        _time = time;
        _logger = logger;
        _fanOut = new ChannelFanOut(history, time, burst);
        // The mount's keys share a hash tag, so that the script may use both on a Redis Cluster.
        string mount = "{" + (mountPath == "/" ? "(root)" : mountPath.TrimStart('/')) + "}";
        _keys = [backplane.Key("mount", mount, "events"), backplane.Key("mount", mount, "number")];
        _notificationName = backplane.Key("mount", mount, "published");
        _notifications = RedisChannel.Literal((string)_notificationName!);
        _keep = Math.Max(history.Count, backplane.StreamLength);
        _keepAgeMs = history.MaxAgeSeconds > 0 ? (long)Math.Ceiling((history.MaxAgeSeconds + 60) * 1000) : 0;
        // Two channels of one mount can overlap on a node (a reload makes the new one before the
        // old one is retired): each has its own publisher id, so that neither takes the other's.
        _publisher = backplane.NodeId + "/" + Guid.NewGuid().ToString("N")[..8];
        _onNotification = (_, message) => OnNotification(message);
        _backplane.Restored += OnRestored;
        _reader = Task.Run(RunAsync);
    }

    public int HistoryCount => _fanOut.HistoryCount;

    public int SubscriberCount => _fanOut.SubscriberCount;

    public bool IsAvailable => _backplane.IsConnected && !Volatile.Read(ref _disposed);

    public ValueTask<PublishReceipt> PublishAsync(EventBody body)
    {
        ArgumentNullException.ThrowIfNull(body);
        if (body.OwnId is { } ownId)
        {
            // Refused here, before anything is sent, like the in-process channel does.
            SseFramer.WithId(ownId, []);
        }

        Pending pending = new(Interlocked.Increment(ref _nextToken), body, this);
        bool send;
        lock (_outLock)
        {
            if (_disposed)
            {
                return ValueTask.FromException<PublishReceipt>(new ChannelUnavailableException($"{_path} was closed."));
            }

            if (_direct)
            {
                send = true;
            }
            else if (_buffer.Count >= _backplane.OutageBufferEvents)
            {
                bool first = !_lostWhileAway;
                _lostWhileAway = true;
                if (first)
                {
                    LogBufferFull(_logger, _path, _backplane.OutageBufferEvents);
                }

                return ValueTask.FromException<PublishReceipt>(new ChannelUnavailableException(
                    $"{_path}: Redis is away and {_backplane.OutageBufferEvents} events already wait for it."));
            }
            else
            {
                _buffer.Add(pending.Token, pending);
                send = false;
            }

            _pending.Add(pending.Token, pending);
        }

        if (send)
        {
            _ = Send(pending);
        }

        return new ValueTask<PublishReceipt>(pending.Done.Task);
    }

    public bool SendTo(string sessionId, EventBody body)
    {
        ArgumentNullException.ThrowIfNull(sessionId);
        ArgumentNullException.ThrowIfNull(body);
        return _recipients.Deliver(sessionId, body.DirectFrame());
    }

    public IChannelSubscription Subscribe(IChannelSubscriber subscriber, ReplayFrom from, out ChannelStart start) =>
        _fanOut.Subscribe(subscriber, from, out start);

    public void Dispose()
    {
        List<Pending> abandoned;
        lock (_outLock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _direct = false;
            abandoned = [.. _pending.Values];
            _pending.Clear();
            _buffer.Clear();
        }

        _backplane.Restored -= OnRestored;
        _stopping.Cancel();
        foreach (Pending pending in abandoned)
        {
            pending.Done.TrySetException(new ChannelUnavailableException($"{_path} was closed before Redis took the event."));
        }

        _ = _backplane.Subscriber.UnsubscribeAsync(_notifications, _onNotification, CommandFlags.FireAndForget);
        _fanOut.Clear();
    }

    private void Wake()
    {
        try
        {
            if (_wake.CurrentCount == 0)
            {
                _wake.Release();
            }
        }
        catch (SemaphoreFullException)
        {
            // Already woken.
        }
    }

    private void OnRestored()
    {
        _checkPositions = true;
        Volatile.Write(ref _mustRead, 1);
        Wake();
    }

    /// <summary>An entry was announced (on StackExchange.Redis's thread): queued for the reader, which is woken.</summary>
    private void OnNotification(RedisValue message)
    {
        if (Entry.FromAnnouncement((byte[]?)message) is { } entry)
        {
            _announced.Enqueue(entry);
        }
        else
        {
            Volatile.Write(ref _mustRead, 1);
        }

        Wake();
    }

    /// <summary>
    /// Delivers the entries announced since the reader last looked, without reading the stream,
    /// when they follow on from what it read, one after the other; false when there is a gap (a
    /// lost or out-of-order announcement): the reader then reads the stream, which has them all.
    /// </summary>
    private bool DeliverAnnounced()
    {
        List<Entry>? next = null;
        long expected = _lastNumber + 1;
        bool contiguous = true;
        while (_announced.TryDequeue(out Entry? entry))
        {
            if (entry.Number < expected)
            {
                // Read already (with the stream, or announced twice).
                continue;
            }

            if (entry.Number != expected)
            {
                contiguous = false;
                continue;
            }

            (next ??= []).Add(entry);
            expected++;
        }

        if (!contiguous)
        {
            return false;
        }

        if (next is not null)
        {
            Deliver(next);
            FailPassed();
        }

        return true;
    }

    /// <summary>
    /// Runs the publish script for one event. <paramref name="flags"/> is
    /// <see cref="CommandFlags.NoScriptCache"/> for what waited for Redis: just after it came back
    /// it may not know the script yet, and the retry after <c>NOSCRIPT</c> could overtake later events.
    /// </summary>
    private Task Send(Pending pending, CommandFlags flags = CommandFlags.None)
    {
        Task<RedisResult> sending;
        Interlocked.Increment(ref _inFlight);
        try
        {
            sending = _backplane.Database.ScriptEvaluateAsync(PublishScript, _keys,
            [_keep, pending.Body.Bytes, pending.Body.OwnId ?? string.Empty, _publisher, pending.Token, "e", _keepAgeMs, _notificationName, pending.Body.Topic ?? string.Empty], flags);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            OnSendFailed(pending, ex);
            Sent();
            return Task.CompletedTask;
        }

        _ = sending.ContinueWith(
            static (task, state) => ((Pending)state!).Channel.OnSent((Pending)state!, task),
            pending,
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
        return sending;
    }

    /// <summary>A send ended: Redis answered with the event's id, or it failed (and what failed is back in the buffer).</summary>
    private void OnSent(Pending pending, Task<RedisResult> sending)
    {
        if (sending.IsCompletedSuccessfully)
        {
            pending.StreamId = (string?)sending.Result;
        }
        else
        {
            OnSendFailed(pending, sending.Exception?.InnerException ?? new TaskCanceledException("the send was canceled"));
        }

        Sent();
    }

    /// <summary>One send fewer whose fate is unknown; the last one lets a flush that waits for it finish.</summary>
    private void Sent()
    {
        if (Interlocked.Decrement(ref _inFlight) == 0 && !Volatile.Read(ref _direct))
        {
            Wake();
        }
    }

    private void OnSendFailed(Pending failed, Exception error)
    {
        // Whether the send's fate is unknown (the connection, a timeout): then it is tried again.
        bool connection = error is RedisConnectionException or RedisTimeoutException or TimeoutException or OperationCanceledException;
        Pending? original;
        lock (_outLock)
        {
            if (!_pending.TryGetValue(failed.Token, out original))
            {
                // It came back through the stream meanwhile: it was written after all.
                return;
            }

            if (connection && !_disposed)
            {
                // Whether Redis wrote it is not known: the reader finds out (it reads what Redis
                // has first) and only what it does not find is sent again, in order.
                _direct = false;
                _buffer[original.Token] = original;
            }
            else
            {
                _pending.Remove(original.Token);
            }
        }

        if (connection)
        {
            Wake();
            return;
        }

        LogPublishFailed(_logger, _path, error.Message);
        original.Done.TrySetException(new ChannelUnavailableException($"{_path}: Redis refused the event: {error.Message}", error));
    }

    private async Task RunAsync()
    {
        CancellationToken stopping = _stopping.Token;
        try
        {
            await _backplane.Subscriber.SubscribeAsync(_notifications, _onNotification).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            // Not reachable now: StackExchange.Redis subscribes again once it is.
        }

        while (!stopping.IsCancellationRequested)
        {
            try
            {
                if (_backplane.IsConnected)
                {
                    if (!_synced)
                    {
                        await SyncAsync().ConfigureAwait(false);
                    }
                    else if (_checkPositions)
                    {
                        _checkPositions = false;
                        await CheckPositionsAsync().ConfigureAwait(false);
                    }

                    if (Interlocked.Exchange(ref _mustRead, 0) != 0 || !DeliverAnnounced())
                    {
                        await CatchUpAsync().ConfigureAwait(false);
                    }

                    await FlushAsync().ConfigureAwait(false);
                }
            }
            catch (Exception) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // Redis went away or answered something unexpected: nothing goes out directly
                // until the loop has read up to date again; it tries again when woken.
                lock (_outLock)
                {
                    _direct = false;
                }

                _checkPositions = true;
                Volatile.Write(ref _mustRead, 1);
                if (ex is not (RedisConnectionException or TimeoutException))
                {
                    LogReaderFailed(_logger, _path, ex.GetType().Name, ex.Message);
                }
            }

            try
            {
                if (!await _wake.WaitAsync(SafetyPoll, stopping).ConfigureAwait(false))
                {
                    // Nothing announced for a while: a look at the stream, in case an announcement was lost.
                    Volatile.Write(ref _mustRead, 1);
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>
    /// Loads the newest events (up to the history's count and age) as this node's history, and
    /// takes the stream's end as the position to read from.
    /// </summary>
    private async Task SyncAsync()
    {
        // The counter first: when the stream turns out empty, no event was published after it
        // was read (that event would be in the stream), so it is this node's position.
        IDatabase database = _backplane.Database;
        RedisValue number = await database.StringGetAsync(_keys[1]).ConfigureAwait(false);
        StreamEntry[] newest = await database.StreamRangeAsync(_keys[0], "-", "+", Math.Max(1, _history.Count), Order.Descending).ConfigureAwait(false);
        long nowMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        long now = _time.GetTimestamp();
        List<Entry> entries = [];
        for (int i = newest.Length - 1; i >= 0; i--)
        {
            if (Entry.Read(newest[i]) is { } entry)
            {
                entries.Add(entry);
            }
        }

        lock (_fanOut.Lock)
        {
            int skip = Math.Max(0, entries.Count - _history.Count);
            for (int i = skip; i < entries.Count; i++)
            {
                Entry entry = entries[i];
                long ageMs = Math.Max(0, nowMs - entry.Milliseconds);
                if (entry.IsEvent && (_history.MaxAgeSeconds <= 0 || ageMs < _history.MaxAgeSeconds * 1000))
                {
                    _fanOut.RecordLocked(entry.WireId, entry.Frame(), now - (ageMs * _time.TimestampFrequency / 1000), entry.Topic);
                }
            }
        }

        if (entries.Count > 0)
        {
            _lastId = entries[^1].StreamId;
            _lastNumber = entries[^1].Number;
        }
        else
        {
            _lastNumber = number.IsNull ? 0 : (long)number;
        }

        _synced = true;
    }

    /// <summary>After Redis was away: whether it still has the positions this node read up to (it may have restarted empty).</summary>
    private async Task CheckPositionsAsync()
    {
        RedisValue number = await _backplane.Database.StringGetAsync(_keys[1]).ConfigureAwait(false);
        long current = number.IsNull ? 0 : (long)number;
        if (current < _lastNumber)
        {
            Reset(RedisLostItsData, current);
            FailSent(RedisLostItsData);
            _synced = false;
            await SyncAsync().ConfigureAwait(false);
        }
    }

    private async Task CatchUpAsync()
    {
        while (true)
        {
            StreamEntry[] read = await _backplane.Database.StreamRangeAsync(_keys[0], "(" + _lastId, "+", ReadBatch).ConfigureAwait(false);
            if (read.Length == 0)
            {
                return;
            }

            Deliver(read);

            // Past every entry read, even one that is not ours to read (written by something else).
            _lastId = read[^1].Id!;
            FailPassed();
            if (read.Length < ReadBatch)
            {
                return;
            }
        }
    }

    /// <summary>Hands what was read to this node's subscribers, in order, and completes what was published here.</summary>
    private void Deliver(StreamEntry[] read)
    {
        List<Entry> entries = new(read.Length);
        foreach (StreamEntry streamEntry in read)
        {
            if (Entry.Read(streamEntry) is { } entry)
            {
                entries.Add(entry);
            }
        }

        Deliver(entries);
    }

    /// <summary>Hands entries to this node's subscribers, in order, and completes what was published here.</summary>
    private void Deliver(List<Entry> entries)
    {
        byte[]?[] frames = new byte[entries.Count][];
        for (int i = 0; i < entries.Count; i++)
        {
            frames[i] = entries[i].IsEvent ? entries[i].Frame() : null;
        }

        List<(long Token, string Id, int Delivered)>? mine = null;
        long now = _time.GetTimestamp();
        lock (_fanOut.Lock)
        {
            for (int i = 0; i < entries.Count; i++)
            {
                Entry entry = entries[i];
                if (entry.Number != _lastNumber + 1)
                {
                    ResetLocked(entry.Number <= _lastNumber ? RedisLostItsData : EventsTrimmedUnread, now);
                }

                _lastNumber = entry.Number;
                _lastId = entry.StreamId;
                int delivered = 0;
                if (frames[i] is { } frame)
                {
                    delivered = _fanOut.DeliverLocked(entry.WireId, frame, now, entry.Topic);
                }
                else
                {
                    ResetLocked(EventsLostWhileAway, now);
                }

                if (entry.Token > 0 && string.Equals(entry.Node, _publisher, StringComparison.Ordinal))
                {
                    (mine ??= []).Add((entry.Token, entry.WireId, delivered));
                }
            }
        }

        if (mine is null)
        {
            return;
        }

        foreach ((long token, string id, int delivered) in mine)
        {
            Pending? pending;
            lock (_outLock)
            {
                if (_pending.Remove(token, out pending))
                {
                    _buffer.Remove(token);
                }
            }

            pending?.Done.TrySetResult(new PublishReceipt(id, delivered));
        }
    }

    /// <summary>Sends, in order, what waited for Redis (after a reset entry if some of it was refused); then publishing goes straight out again.</summary>
    private async Task FlushAsync()
    {
        while (true)
        {
            List<Pending> waiting;
            bool lost;
            lock (_outLock)
            {
                if (_disposed)
                {
                    return;
                }

                if (_buffer.Count == 0 && !_lostWhileAway)
                {
                    // A send issued before Redis went away may still fail (a timeout) and go back
                    // into the buffer: publishing goes straight out again only once none is left,
                    // so that no event is sent again behind a later one. The last one wakes this loop.
                    if (!_direct && Volatile.Read(ref _inFlight) > 0)
                    {
                        return;
                    }

                    _direct = _backplane.IsConnected;
                    return;
                }

                waiting = [.. _buffer.Values];
                _buffer.Clear();
                lost = _lostWhileAway;
                _lostWhileAway = false;
            }

            if (lost)
            {
                try
                {
                    await _backplane.Database.ScriptEvaluateAsync(PublishScript, _keys,
                        [_keep, Array.Empty<byte>(), string.Empty, _publisher, 0, "r", _keepAgeMs, _notificationName, string.Empty], CommandFlags.NoScriptCache).ConfigureAwait(false);
                }
                catch (Exception) when (!_stopping.IsCancellationRequested)
                {
                    lock (_outLock)
                    {
                        _lostWhileAway = true;
                        foreach (Pending pending in waiting)
                        {
                            _buffer.TryAdd(pending.Token, pending);
                        }
                    }

                    throw;
                }
            }

            // Sent one after the other without waiting (StackExchange.Redis pipelines them, in
            // order); their completions come from the stream, read by this loop afterwards.
            Task[] sends = [.. waiting.Select(p => Send(p, CommandFlags.NoScriptCache))];
            if (waiting.Count > 0)
            {
                LogFlushed(_logger, _path, waiting.Count);
            }

            // A failure put what failed back in the buffer; the loop tries again once Redis is back.
            await Task.WhenAll(sends).ConfigureAwait(false);
        }
    }

    private void Reset(string reason, long number)
    {
        lock (_fanOut.Lock)
        {
            ResetLocked(reason, _time.GetTimestamp());
            _lastNumber = number;
        }
    }

    /// <summary>Tells every subscriber that it may have missed events, and forgets the history a replay could no longer join up. Under the fan-out's lock.</summary>
    private void ResetLocked(string reason, long now)
    {
        string last = _fanOut.LastIdLocked ?? _lastId;
        LogReset(_logger, _path, reason);
        _fanOut.NoticeLocked(ResetNotice.Live(last, reason), now);
        _fanOut.ClearHistoryLocked();
    }

    /// <summary>
    /// Fails what was published here, taken by Redis, and then lost with its data: it will never
    /// come back from the stream.
    /// </summary>
    private void FailSent(string reason)
    {
        List<Pending> lost;
        lock (_outLock)
        {
            lost = [.. _pending.Values.Where(p => p.StreamId is not null && !_buffer.ContainsKey(p.Token))];
            foreach (Pending pending in lost)
            {
                _pending.Remove(pending.Token);
            }
        }

        foreach (Pending pending in lost)
        {
            pending.Done.TrySetException(new ChannelUnavailableException($"{_path}: {reason}"));
        }
    }

    /// <summary>
    /// Fails what was published here and taken by Redis at a position the reader has passed
    /// without finding it (trimmed before this node read it): it will never come back.
    /// </summary>
    private void FailPassed()
    {
        List<Pending>? passed = null;
        lock (_outLock)
        {
            if (_pending.Count == 0)
            {
                return;
            }

            foreach (Pending pending in _pending.Values)
            {
                if (pending.StreamId is { } id && !_buffer.ContainsKey(pending.Token) && StreamIds.Compare(id, _lastId) <= 0)
                {
                    (passed ??= []).Add(pending);
                }
            }

            foreach (Pending pending in passed ?? [])
            {
                _pending.Remove(pending.Token);
            }
        }

        foreach (Pending pending in passed ?? [])
        {
            pending.Done.TrySetException(new ChannelUnavailableException($"{_path}: {EventsTrimmedUnread}"));
        }
    }

    private const string RedisLostItsData = "the backplane (Redis) lost its data; resynchronise";
    private const string EventsTrimmedUnread = "this host fell too far behind the backplane (Redis) and events were trimmed before it read them; resynchronise";
    private const string EventsLostWhileAway = "events published while the backplane (Redis) was away were lost; resynchronise";

    [LoggerMessage(EventId = 84, Level = LogLevel.Warning, Message = "{Path}: Redis is away and {Limit} events already wait for it; further events are refused (publish API: 503) and clients get reset once it is back")]
    private static partial void LogBufferFull(ILogger logger, string path, int limit);

    [LoggerMessage(EventId = 85, Level = LogLevel.Information, Message = "{Path}: sent {Count} events that waited for Redis")]
    private static partial void LogFlushed(ILogger logger, string path, int count);

    [LoggerMessage(EventId = 86, Level = LogLevel.Warning, Message = "{Path}: clients told to resynchronise (reset): {Reason}")]
    private static partial void LogReset(ILogger logger, string path, string reason);

    [LoggerMessage(EventId = 88, Level = LogLevel.Error, Message = "{Path}: reading the mount's stream failed ({ExceptionType}: {Reason}); trying again")]
    private static partial void LogReaderFailed(ILogger logger, string path, string exceptionType, string reason);

    [LoggerMessage(EventId = 87, Level = LogLevel.Error, Message = "{Path}: Redis refused an event: {Reason}")]
    private static partial void LogPublishFailed(ILogger logger, string path, string reason);

    /// <summary>One event published here, until it comes back from the stream.</summary>
    private sealed class Pending(long token, EventBody body, RedisMountChannel channel)
    {
        public long Token { get; } = token;

        public EventBody Body { get; } = body;

        public RedisMountChannel Channel { get; } = channel;

        public TaskCompletionSource<PublishReceipt> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>The id Redis gave it, once the script has answered.</summary>
        public string? StreamId
        {
            get => Volatile.Read(ref _streamId);
            set => Volatile.Write(ref _streamId, value);
        }

        private string? _streamId;
    }

    /// <summary>One entry of the stream as the channel reads it.</summary>
    private sealed record Entry(string StreamId, long Number, bool IsEvent, byte[] Body, string? OwnId, string Node, long Token, string? Topic)
    {
        /// <summary>The id clients see: the publisher's own, or the stream's.</summary>
        public string WireId => OwnId ?? StreamId;

        /// <summary>The milliseconds part of the stream id: when Redis took the entry.</summary>
        public long Milliseconds => (long)StreamIds.Milliseconds(StreamId);

        public byte[] Frame() => SseFramer.WithId(WireId, Body);

        /// <summary>
        /// An entry as the publish script announces it: <c>e1</c>, the stream id, the number, the
        /// kind, the own id, the node, the token and the topic, each followed by a line feed (none
        /// of them can hold one), then the body; null for anything else (an older host's
        /// announcement is the bare stream id).
        /// </summary>
        public static Entry? FromAnnouncement(byte[]? message)
        {
            const int Fields = 8;
            if (message is null || !message.AsSpan().StartsWith("e1\n"u8))
            {
                return null;
            }

            Span<Range> fields = stackalloc Range[Fields];
            ReadOnlySpan<byte> rest = message;
            int start = 0;
            for (int i = 0; i < Fields; i++)
            {
                int end = rest[start..].IndexOf((byte)'\n');
                if (end < 0)
                {
                    return null;
                }

                fields[i] = new Range(start, start + end);
                start += end + 1;
            }

            if (!long.TryParse(message.AsSpan(fields[2]), NumberStyles.None, CultureInfo.InvariantCulture, out long number)
                || !long.TryParse(message.AsSpan(fields[6]), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long token))
            {
                return null;
            }

            string? ownId = Text(message, fields[4]) is { Length: > 0 } own ? own : null;
            string? topic = Text(message, fields[7]) is { Length: > 0 } named ? named : null;
            bool isEvent = !message.AsSpan(fields[3]).SequenceEqual("r"u8);
            return number > 0 && (ownId is null || SseEvent.IsValidField(ownId))
                ? new Entry(Text(message, fields[1]), number, isEvent, message.AsSpan(start).ToArray(), ownId, Text(message, fields[5]), token, topic)
                : null;
        }

        private static string Text(byte[] message, Range field) => System.Text.Encoding.UTF8.GetString(message.AsSpan(field));

        public static Entry? Read(StreamEntry entry)
        {
            long number = 0;
            bool isEvent = true;
            byte[] body = [];
            string? ownId = null;
            string node = string.Empty;
            long token = 0;
            string? topic = null;
            foreach (NameValueEntry field in entry.Values)
            {
                switch ((string?)field.Name)
                {
                    case "s":
                        _ = field.Value.TryParse(out number);
                        break;
                    case "k":
                        isEvent = field.Value != "r";
                        break;
                    case "b":
                        body = (byte[]?)field.Value ?? [];
                        break;
                    case "o":
                        ownId = field.Value.IsNullOrEmpty ? null : (string?)field.Value;
                        break;
                    case "n":
                        node = (string?)field.Value ?? string.Empty;
                        break;
                    case "t":
                        _ = field.Value.TryParse(out token);
                        break;
                    case "p":
                        topic = field.Value.IsNullOrEmpty ? null : (string?)field.Value;
                        break;
                }
            }

            // An own id that cannot be framed did not come from a host: the entry is skipped.
            return number > 0 && (ownId is null || SseEvent.IsValidField(ownId)) ? new Entry(entry.Id!, number, isEvent, body, ownId, node, token, topic) : null;
        }
    }
}
