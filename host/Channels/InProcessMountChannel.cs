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
/// </remarks>
internal sealed class InProcessMountChannel : IMountChannel
{
    private readonly Lock _lock = new();
    private readonly EventHistory _history;
    private readonly IDirectRecipients _recipients;
    private readonly TimeProvider _time;
    private readonly long _idBase;
    private readonly List<Subscription> _live = [];
    private List<Subscription>? _leaving;
    private int _delivering;
    private long _sequence;

    public InProcessMountChannel(HistorySettings history, IDirectRecipients recipients, TimeProvider time)
    {
        _history = new EventHistory(history, time);
        _recipients = recipients;
        _time = time;
        _idBase = time.GetUtcNow().ToUnixTimeMilliseconds() * 1000;
    }

    public int HistoryCount
    {
        get
        {
            lock (_lock)
            {
                _history.Expire();
                return _history.Count;
            }
        }
    }

    public PublishReceipt Publish(EventBody body)
    {
        ArgumentNullException.ThrowIfNull(body);
        int delivered = 0;
        string id;

        // An event with its own id is framed whole here, outside the lock, and a bad id is
        // refused before anything changes; the channel's own ids are digits, always valid.
        byte[]? ownFrame = body.OwnId is null ? null : SseFramer.WithId(body.OwnId, body.Bytes);
        lock (_lock)
        {
            long sequence = ++_sequence;
            id = body.OwnId ?? (_idBase + sequence).ToString(CultureInfo.InvariantCulture);
            ChannelEvent channelEvent = new(id, sequence, ownFrame ?? SseFramer.WithId(id, body.Bytes), _time.GetTimestamp());
            _history.Append(channelEvent);
            _delivering++;
            try
            {
                // A subscriber may leave during the loop (one that is full is closed): it is
                // taken out of the list once the loop is over.
                int count = _live.Count;
                for (int i = 0; i < count; i++)
                {
                    Subscription subscription = _live[i];
                    if (subscription.Active && subscription.Subscriber.OnEvent(channelEvent))
                    {
                        delivered++;
                    }
                }
            }
            finally
            {
                if (--_delivering == 0 && _leaving is { Count: > 0 } leaving)
                {
                    foreach (Subscription subscription in leaving)
                    {
                        RemoveNow(subscription);
                    }

                    leaving.Clear();
                }
            }
        }

        return new PublishReceipt(id, delivered);
    }

    public bool SendTo(string sessionId, EventBody body)
    {
        ArgumentNullException.ThrowIfNull(sessionId);
        ArgumentNullException.ThrowIfNull(body);
        byte[] frame = body.OwnId is null ? body.Bytes : SseFramer.WithId(body.OwnId, body.Bytes);
        return _recipients.Deliver(sessionId, frame);
    }

    public IDisposable Subscribe(IChannelSubscriber subscriber, ReplayFrom from, out ChannelStart start)
    {
        ArgumentNullException.ThrowIfNull(subscriber);
        Subscription subscription = new(this, subscriber);
        lock (_lock)
        {
            List<ChannelEvent> replay = [];
            bool complete = from.AfterId is { } id
                ? _history.TryCollectAfter(id, replay)
                : from.AfterSequence <= 0 || _history.TryCollectAfter(from.AfterSequence, replay);
            if (!complete)
            {
                replay.Clear();
            }

            start = new ChannelStart(replay, !complete, _sequence);
            subscriber.OnStart(start);
            subscription.Index = _live.Count;
            _live.Add(subscription);
        }

        return subscription;
    }

    public void Dispose()
    {
        lock (_lock)
        {
            foreach (Subscription subscription in _live)
            {
                subscription.Active = false;
                subscription.Index = -1;
            }

            _live.Clear();
            _leaving?.Clear();
        }
    }

    private void Remove(Subscription subscription)
    {
        lock (_lock)
        {
            subscription.Active = false;
            if (subscription.Index < 0)
            {
                return;
            }

            if (_delivering > 0)
            {
                (_leaving ??= []).Add(subscription);
                return;
            }

            RemoveNow(subscription);
        }
    }

    /// <summary>Takes a subscription out of the list by moving the last one into its place. Under the lock.</summary>
    private void RemoveNow(Subscription subscription)
    {
        int index = subscription.Index;
        if (index < 0)
        {
            return;
        }

        Subscription last = _live[^1];
        _live[index] = last;
        last.Index = index;
        _live.RemoveAt(_live.Count - 1);
        subscription.Index = -1;
    }

    /// <summary>One subscriber in the list of those that get live events.</summary>
    private sealed class Subscription(InProcessMountChannel channel, IChannelSubscriber subscriber) : IDisposable
    {
        public IChannelSubscriber Subscriber { get; } = subscriber;

        /// <summary>Where it is in the list, or -1; kept under the channel's lock.</summary>
        public int Index { get; set; } = -1;

        /// <summary>False once disposed: it gets nothing more, even in a loop that is running.</summary>
        public bool Active { get; set; } = true;

        public void Dispose() => channel.Remove(this);
    }
}
