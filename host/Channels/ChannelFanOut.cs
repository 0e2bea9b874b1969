using SsePluginHost.Configuration;

namespace SsePluginHost.Channels;

/// <summary>
/// What every channel does on this host once it knows an event's id: keeps the history, hands the
/// event to each subscriber in one order, and starts a new subscriber with its replay and then
/// the live events. The channel decides the ids (its own, or the ones another node's Redis gave)
/// and calls <see cref="DeliverLocked"/> under <see cref="Lock"/>.
/// </summary>
internal sealed class ChannelFanOut
{
    private readonly EventHistory _history;
    private readonly IFanOutBurst? _burst;
    private readonly List<Subscription> _live = [];
    private List<Subscription>? _leaving;
    private int _delivering;
    private long _sequence;

    /// <param name="history">What the history keeps.</param>
    /// <param name="time">The history's clock.</param>
    /// <param name="burst">Told when each fan-out begins and ends, so that the writers it makes due run together after it.</param>
    public ChannelFanOut(HistorySettings history, TimeProvider time, IFanOutBurst? burst = null)
    {
        _history = new EventHistory(history, time);
        _burst = burst;
    }

    /// <summary>The lock that orders delivery and subscription; the channel holds it to number an event and deliver it.</summary>
    public Lock Lock { get; } = new();

    /// <summary>The sequence of the newest event delivered (0 before any). Read under <see cref="Lock"/>.</summary>
    public long Sequence => _sequence;

    /// <summary>How many events the history holds now.</summary>
    public int HistoryCount
    {
        get
        {
            lock (Lock)
            {
                _history.Expire();
                return _history.Count;
            }
        }
    }

    /// <summary>How many subscribers get live events now.</summary>
    public int SubscriberCount
    {
        get
        {
            lock (Lock)
            {
                return _live.Count;
            }
        }
    }

    /// <summary>
    /// Records an event with the next sequence and offers it to every subscriber; returns how
    /// many took it. The caller holds <see cref="Lock"/>.
    /// </summary>
    public int DeliverLocked(string id, byte[] frame, long timestamp, string? topic = null)
    {
        ChannelEvent channelEvent = new(id, ++_sequence, frame, timestamp, topic);
        _history.Append(channelEvent);
        return Offer(channelEvent);
    }

    /// <summary>
    /// Records an event with the next sequence for replay without offering it to anyone (an event
    /// published before this host subscribed). The caller holds <see cref="Lock"/>.
    /// </summary>
    public void RecordLocked(string id, byte[] frame, long timestamp, string? topic = null) =>
        _history.Append(new ChannelEvent(id, ++_sequence, frame, timestamp, topic));

    /// <summary>The id of the newest event delivered or recorded, or null. The caller holds <see cref="Lock"/>.</summary>
    public string? LastIdLocked => _history.LastId;

    /// <summary>
    /// Offers every subscriber a frame that is not an event of the history (a <c>reset</c>
    /// notice), in its place in the order. The caller holds <see cref="Lock"/>.
    /// </summary>
    public int NoticeLocked(byte[] frame, long timestamp) => Offer(new ChannelEvent(string.Empty, 0, frame, timestamp));

    /// <summary>Forgets the history (its positions no longer mean anything); sequences go on. The caller holds <see cref="Lock"/>.</summary>
    public void ClearHistoryLocked() => _history.Clear();

    /// <summary>Subscribes from a position: replay (or reset) first, then every event delivered later.</summary>
    public IDisposable Subscribe(IChannelSubscriber subscriber, ReplayFrom from, out ChannelStart start)
    {
        ArgumentNullException.ThrowIfNull(subscriber);
        Subscription subscription = new(this, subscriber);
        lock (Lock)
        {
            List<ChannelEvent> replay = [];
            bool complete = from.AfterId is { } id
                ? _history.TryCollectAfter(id, replay)
                : from.AfterSequence <= 0 || _history.TryCollectAfter(from.AfterSequence, replay);
            if (!complete)
            {
                replay.Clear();
            }
            else
            {
                // The events of topics it does not follow were not missed: they were never its.
                replay.RemoveAll(e => e.Topic is { } topic && !subscriber.Follows(topic));
            }

            start = new ChannelStart(replay, !complete, _sequence);
            subscriber.OnStart(start);
            subscription.Index = _live.Count;
            _live.Add(subscription);
        }

        return subscription;
    }

    /// <summary>Ends every subscription.</summary>
    public void Clear()
    {
        lock (Lock)
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

    private int Offer(ChannelEvent channelEvent)
    {
        int delivered = 0;
        _delivering++;
        _burst?.BeginBurst();
        try
        {
            // A subscriber may leave during the loop (one that is full is closed): it is taken
            // out of the list once the loop is over.
            int count = _live.Count;
            for (int i = 0; i < count; i++)
            {
                Subscription subscription = _live[i];
                if (subscription.Active && (channelEvent.Topic is not { } topic || subscription.Subscriber.Follows(topic))
                    && subscription.Subscriber.OnEvent(channelEvent))
                {
                    delivered++;
                }
            }
        }
        finally
        {
            _burst?.EndBurst();
            if (--_delivering == 0 && _leaving is { Count: > 0 } leaving)
            {
                foreach (Subscription subscription in leaving)
                {
                    RemoveNow(subscription);
                }

                leaving.Clear();
            }
        }

        return delivered;
    }

    private void Remove(Subscription subscription)
    {
        lock (Lock)
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
    private sealed class Subscription(ChannelFanOut fanOut, IChannelSubscriber subscriber) : IDisposable
    {
        public IChannelSubscriber Subscriber { get; } = subscriber;

        /// <summary>Where it is in the list, or -1; kept under the lock.</summary>
        public int Index { get; set; } = -1;

        /// <summary>False once disposed: it gets nothing more, even in a loop that is running.</summary>
        public bool Active { get; set; } = true;

        public void Dispose() => fanOut.Remove(this);
    }
}
