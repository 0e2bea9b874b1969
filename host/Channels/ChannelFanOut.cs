using SsePluginHost.Configuration;

namespace SsePluginHost.Channels;

/// <summary>
/// What every channel does on this host once it knows an event's id: keeps the history, hands the
/// event to each subscriber in one order, and starts a new subscriber with its replay and then
/// the live events. The channel decides the ids (its own, or the ones another node's Redis gave)
/// and calls <see cref="DeliverLocked"/> under <see cref="Lock"/>.
/// </summary>
/// <remarks>
/// An event of the whole mount goes through the list of every subscriber; an event of a topic
/// only through that topic's members, so that it costs what its followers cost, not the mount's
/// every subscriber. A subscriber is made a member of the topics it follows when it subscribes,
/// and of those it follows or leaves later when its subscription is told
/// (<see cref="IChannelSubscription.Refresh"/>); a topic without members is forgotten.
/// <see cref="IChannelSubscriber.Follows"/> stays the truth, and is still asked of each member.
/// The lists are never changed while an event is being offered, except at their end (a
/// subscriber that subscribes then): what leaves during an offer leaves once it is over.
/// </remarks>
internal sealed class ChannelFanOut
{
    private readonly EventHistory _history;
    private readonly IFanOutBurst? _burst;
    private readonly List<Subscription> _live = [];
    private readonly Dictionary<string, List<Membership>> _topics = new(StringComparer.Ordinal);
    private List<Subscription>? _leaving;
    private List<(Subscription Subscription, string? Topic)>? _refreshing;
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

    /// <summary>How many topics have members now (a topic is forgotten once it has none).</summary>
    public int TopicCount
    {
        get
        {
            lock (Lock)
            {
                return _topics.Count;
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

    /// <summary>Subscribes from a position: replay (or reset) first, then every event delivered later (of a topic, if it is among the subscriber's <see cref="IChannelSubscriber.Topics"/> now or told later).</summary>
    public IChannelSubscription Subscribe(IChannelSubscriber subscriber, ReplayFrom from, out ChannelStart start)
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
            foreach (string topic in subscriber.Topics)
            {
                if (subscription.MembershipOf(topic) is null)
                {
                    Join(subscription, topic);
                }
            }
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
                subscription.ForgetMemberships();
            }

            // The topics' lists themselves are left as they are: an offer may be going through one.
            _live.Clear();
            _topics.Clear();
            _leaving?.Clear();
            _refreshing?.Clear();
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
            // out of the lists once the loop is over.
            if (channelEvent.Topic is { } topic)
            {
                delivered = OfferTopic(channelEvent, topic);
            }
            else
            {
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
        }
        finally
        {
            _burst?.EndBurst();
            if (--_delivering == 0)
            {
                Settle();
            }
        }

        return delivered;
    }

    /// <summary>Offers an event of a topic to that topic's members alone. Under the lock, while delivering.</summary>
    private int OfferTopic(ChannelEvent channelEvent, string topic)
    {
        if (!_topics.TryGetValue(topic, out List<Membership>? members))
        {
            return 0;
        }

        int delivered = 0;
        int count = members.Count;
        for (int i = 0; i < count; i++)
        {
            Subscription subscription = members[i].Owner;
            if (subscription.Active && subscription.Subscriber.Follows(topic) && subscription.Subscriber.OnEvent(channelEvent))
            {
                delivered++;
            }
        }

        return delivered;
    }

    /// <summary>Once no offer is running: takes out what left during it and re-reads the topics it was told of. Under the lock.</summary>
    private void Settle()
    {
        if (_leaving is { Count: > 0 } leaving)
        {
            foreach (Subscription subscription in leaving)
            {
                RemoveNow(subscription);
            }

            leaving.Clear();
        }

        if (_refreshing is { Count: > 0 } refreshing)
        {
            foreach ((Subscription subscription, string? topic) in refreshing)
            {
                RefreshNow(subscription, topic);
            }

            refreshing.Clear();
        }
    }

    /// <summary>A subscription is told that its subscriber's topics changed (<paramref name="topic"/>, or any when null).</summary>
    private void Refresh(Subscription subscription, string? topic)
    {
        lock (Lock)
        {
            if (_delivering > 0)
            {
                // Not while an offer goes through the lists: once it is over.
                (_refreshing ??= []).Add((subscription, topic));
                return;
            }

            RefreshNow(subscription, topic);
        }
    }

    /// <summary>
    /// Brings a subscription's memberships in line with what its subscriber follows now: of
    /// <paramref name="topic"/>, or of every topic it is a member of or lists when null. Under the lock.
    /// </summary>
    private void RefreshNow(Subscription subscription, string? topic)
    {
        if (!subscription.Active)
        {
            return;
        }

        IChannelSubscriber subscriber = subscription.Subscriber;
        if (topic is not null)
        {
            Membership? membership = subscription.MembershipOf(topic);
            bool follows = subscriber.Follows(topic);
            if (follows && membership is null)
            {
                Join(subscription, topic);
            }
            else if (!follows && membership is not null)
            {
                Leave(membership);
            }

            return;
        }

        if (subscription.Memberships is { } memberships)
        {
            for (int i = memberships.Count - 1; i >= 0; i--)
            {
                if (!subscriber.Follows(memberships[i].Topic))
                {
                    Leave(memberships[i]);
                }
            }
        }

        foreach (string followed in subscriber.Topics)
        {
            if (subscription.MembershipOf(followed) is null && subscriber.Follows(followed))
            {
                Join(subscription, followed);
            }
        }
    }

    /// <summary>Makes a subscription a member of a topic, at the end of its list. Under the lock.</summary>
    private void Join(Subscription subscription, string topic)
    {
        if (!_topics.TryGetValue(topic, out List<Membership>? members))
        {
            members = [];
            _topics.Add(topic, members);
        }

        Membership membership = new(subscription, topic, members) { Index = members.Count };
        members.Add(membership);
        (subscription.Memberships ??= []).Add(membership);
    }

    /// <summary>Takes a subscription out of one topic. Under the lock, with no offer running.</summary>
    private void Leave(Membership membership)
    {
        TakeOutOfTopic(membership);
        List<Membership> owned = membership.Owner.Memberships!;
        int at = owned.IndexOf(membership);
        owned[at] = owned[^1];
        owned.RemoveAt(owned.Count - 1);
    }

    /// <summary>
    /// Takes a membership out of its topic's list by moving the last one into its place, and
    /// forgets the topic once its list is empty. Under the lock, with no offer running.
    /// </summary>
    private void TakeOutOfTopic(Membership membership)
    {
        List<Membership> members = membership.Members;
        int index = membership.Index;
        Membership last = members[^1];
        members[index] = last;
        last.Index = index;
        members.RemoveAt(members.Count - 1);
        membership.Index = -1;
        if (members.Count == 0 && _topics.TryGetValue(membership.Topic, out List<Membership>? current) && ReferenceEquals(current, members))
        {
            _topics.Remove(membership.Topic);
        }
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
        if (subscription.Memberships is { } memberships)
        {
            foreach (Membership membership in memberships)
            {
                TakeOutOfTopic(membership);
            }

            subscription.Memberships = null;
        }
    }

    /// <summary>One subscriber in the list of those that get live events.</summary>
    private sealed class Subscription(ChannelFanOut fanOut, IChannelSubscriber subscriber) : IChannelSubscription
    {
        public IChannelSubscriber Subscriber { get; } = subscriber;

        /// <summary>Where it is in the list, or -1; kept under the lock.</summary>
        public int Index { get; set; } = -1;

        /// <summary>False once disposed: it gets nothing more, even in a loop that is running.</summary>
        public bool Active { get; set; } = true;

        /// <summary>The topics it is a member of (null until it is one of any); kept under the lock.</summary>
        public List<Membership>? Memberships { get; set; }

        /// <summary>Its membership of a topic, or null. Under the lock.</summary>
        public Membership? MembershipOf(string topic)
        {
            if (Memberships is { } memberships)
            {
                foreach (Membership membership in memberships)
                {
                    if (string.Equals(membership.Topic, topic, StringComparison.Ordinal))
                    {
                        return membership;
                    }
                }
            }

            return null;
        }

        /// <summary>Forgets its memberships without touching the topics' lists (the fan-out is cleared). Under the lock.</summary>
        public void ForgetMemberships()
        {
            if (Memberships is { } memberships)
            {
                foreach (Membership membership in memberships)
                {
                    membership.Index = -1;
                }

                Memberships = null;
            }
        }

        public void Refresh(string topic)
        {
            ArgumentNullException.ThrowIfNull(topic);
            fanOut.Refresh(this, topic);
        }

        public void RefreshAll() => fanOut.Refresh(this, null);

        public void Dispose() => fanOut.Remove(this);
    }

    /// <summary>One subscription's place in the list of a topic's members.</summary>
    private sealed class Membership(Subscription owner, string topic, List<Membership> members)
    {
        public Subscription Owner { get; } = owner;

        public string Topic { get; } = topic;

        /// <summary>The topic's list it is in.</summary>
        public List<Membership> Members { get; } = members;

        /// <summary>Where it is in <see cref="Members"/>, or -1; kept under the lock.</summary>
        public int Index { get; set; } = -1;
    }
}
