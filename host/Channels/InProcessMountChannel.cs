using System.Globalization;
using SsePluginHost.Configuration;
using SsePluginHost.Streaming;

namespace SsePluginHost.Channels;

/// <summary>
/// The default channel: events stay in this process. Ids are decimal numbers that start from the
/// clock, so that the ids of an earlier run of the host are older than any of this run and a
/// client that reconnects across a restart gets an explicit reset rather than a wrong replay.
/// </summary>
/// <remarks>
/// One lock orders everything: publishing (id, history, hand-over to each subscriber) and
/// subscribing (replay, then live). The event's bytes were framed by the publisher before; under
/// the lock only its <c>id:</c> line is put in front, and subscribers only queue what they get.
/// Publishing completes at once.
/// <para>
/// A mount replaced at the same path (a new build of its plugin, changed settings) gets a channel
/// that <see cref="Continue">continues</see> this one: the same history and ids, so that clients
/// that reconnect to the new instance with <c>Last-Event-ID</c> miss nothing the history holds.
/// The two share the history until both are disposed.
/// </para>
/// </remarks>
internal sealed class InProcessMountChannel : IMountChannel
{
    private readonly ChannelFanOut _fanOut;
    private readonly IDirectRecipients _recipients;
    private readonly TimeProvider _time;
    private readonly long _idBase;
    private readonly HistorySettings _history;
    private readonly Owners _owners;
    private int _disposed;

    public InProcessMountChannel(HistorySettings history, IDirectRecipients recipients, TimeProvider time, IFanOutBurst? burst = null)
        : this(new ChannelFanOut(history, time, burst), history, time.GetUtcNow().ToUnixTimeMilliseconds() * 1000, new Owners(), recipients, time)
    {
    }

    private InProcessMountChannel(ChannelFanOut fanOut, HistorySettings history, long idBase, Owners owners, IDirectRecipients recipients, TimeProvider time)
    {
        _fanOut = fanOut;
        _history = history;
        _idBase = idBase;
        _owners = owners;
        _recipients = recipients;
        _time = time;
        owners.Add();
    }

    /// <summary>Whether a channel with <paramref name="history"/> can continue this one: it keeps the same history.</summary>
    public bool CanContinueWith(HistorySettings history) =>
        history.Count == _history.Count && history.MaxAgeSeconds.Equals(_history.MaxAgeSeconds) && Volatile.Read(ref _disposed) == 0;

    /// <summary>A channel for the mount that replaces this one's, with this one's history and ids, delivering to <paramref name="recipients"/>.</summary>
    public InProcessMountChannel Continue(IDirectRecipients recipients) => new(_fanOut, _history, _idBase, _owners, recipients, _time);

    public int HistoryCount => _fanOut.HistoryCount;

    public int SubscriberCount => _fanOut.SubscriberCount;

    /// <summary>How many topics have followers among the subscribers now (shared with the channels that continue this one).</summary>
    public int TopicCount => _fanOut.TopicCount;

    public bool IsAvailable => true;

    public ValueTask<PublishReceipt> PublishAsync(EventBody body)
    {
        ArgumentNullException.ThrowIfNull(body);
        int delivered;
        string id;

        // An event with its own id is framed whole here, outside the lock, and a bad id is
        // refused before anything changes; the channel's own ids are digits, always valid.
        byte[]? ownFrame = body.OwnId is null ? null : SseFramer.WithId(body.OwnId, body.Bytes);
        lock (_fanOut.Lock)
        {
            id = body.OwnId ?? (_idBase + _fanOut.Sequence + 1).ToString(CultureInfo.InvariantCulture);
            delivered = _fanOut.DeliverLocked(id, ownFrame ?? SseFramer.WithId(id, body.Bytes), _time.GetTimestamp(), body.Topic);
        }

        return new ValueTask<PublishReceipt>(new PublishReceipt(id, delivered));
    }

    public bool SendTo(string sessionId, EventBody body)
    {
        ArgumentNullException.ThrowIfNull(sessionId);
        ArgumentNullException.ThrowIfNull(body);
        return _recipients.Deliver(sessionId, body.DirectFrame());
    }

    public IChannelSubscription Subscribe(IChannelSubscriber subscriber, ReplayFrom from, out ChannelStart start) =>
        _fanOut.Subscribe(subscriber, from, out start);

    /// <summary>Ends the live subscriptions once the last channel sharing this history is disposed.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0 && _owners.Release())
        {
            _fanOut.Clear();
        }
    }

    /// <summary>How many channels share one history.</summary>
    private sealed class Owners
    {
        private int _count;

        public void Add() => Interlocked.Increment(ref _count);

        /// <summary>One fewer; whether that was the last.</summary>
        public bool Release() => Interlocked.Decrement(ref _count) == 0;
    }
}
