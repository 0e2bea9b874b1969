using SsePluginHost.Channels;

namespace SsePluginHost.Tests.Unit;

/// <summary>
/// A stand-in for a mount's channel, as a channel shared with other hosts would look from one of
/// them: it records what is published and sent, answers with set receipts and starts, and
/// delivers to its subscribers only when the test says so (<see cref="Deliver"/>), never on publish.
/// </summary>
internal sealed class FakeMountChannel(IDirectRecipients recipients) : IMountChannel
{
    private readonly Lock _lock = new();
    private readonly List<EventBody> _published = [];
    private readonly List<(string SessionId, EventBody Body)> _sent = [];
    private readonly List<Subscription> _subscriptions = [];

    /// <summary>The sessions the channel was made for (the mount).</summary>
    public IDirectRecipients Recipients { get; } = recipients;

    /// <summary>What <see cref="Publish"/> answers.</summary>
    public PublishReceipt NextReceipt { get; set; } = new("fake-1", 0);

    /// <summary>What the next subscriber starts with.</summary>
    public ChannelStart NextStart { get; set; } = new([], false, 0);

    /// <summary>Whether <see cref="SendTo"/> hands the frame to <see cref="Recipients"/> (as a real channel does) and returns their answer.</summary>
    public bool ForwardSends { get; set; } = true;

    /// <summary>What <see cref="SendTo"/> answers when it does not forward.</summary>
    public bool SendAnswer { get; set; }

    public int DisposeCalls { get; private set; }

    public IReadOnlyList<EventBody> Published
    {
        get
        {
            lock (_lock)
            {
                return [.. _published];
            }
        }
    }

    public IReadOnlyList<(string SessionId, EventBody Body)> Sent
    {
        get
        {
            lock (_lock)
            {
                return [.. _sent];
            }
        }
    }

    public IReadOnlyList<Subscription> Subscriptions
    {
        get
        {
            lock (_lock)
            {
                return [.. _subscriptions];
            }
        }
    }

    public int HistoryCount => 0;

    public int SubscriberCount
    {
        get
        {
            lock (_lock)
            {
                return _subscriptions.Count;
            }
        }
    }

    public bool IsAvailable => true;

    public ValueTask<PublishReceipt> PublishAsync(EventBody body)
    {
        lock (_lock)
        {
            _published.Add(body);
            return new ValueTask<PublishReceipt>(NextReceipt);
        }
    }

    public bool SendTo(string sessionId, EventBody body)
    {
        lock (_lock)
        {
            _sent.Add((sessionId, body));
        }

        // A direct send has no id line unless the sender gave one; this fake sends the body as is.
        return ForwardSends ? Recipients.Deliver(sessionId, body.Bytes) : SendAnswer;
    }

    public IChannelSubscription Subscribe(IChannelSubscriber subscriber, ReplayFrom from, out ChannelStart start)
    {
        start = NextStart;
        Subscription subscription = new(subscriber, from, start);
        lock (_lock)
        {
            subscriber.OnStart(start);
            _subscriptions.Add(subscription);
        }

        return subscription;
    }

    /// <summary>Hands an event to every subscription not disposed, as if it came from the shared channel; returns how many took it.</summary>
    public int Deliver(ChannelEvent channelEvent)
    {
        lock (_lock)
        {
            return _subscriptions.Count(s => !s.IsDisposed && s.Subscriber.OnEvent(channelEvent));
        }
    }

    public void Dispose() => DisposeCalls++;

    /// <summary>One subscription: who, from where, what it started with, what it was told of its topics, and whether it was disposed.</summary>
    internal sealed class Subscription(IChannelSubscriber subscriber, ReplayFrom from, ChannelStart start) : IChannelSubscription
    {
        private readonly Lock _lock = new();
        private readonly List<string?> _refreshes = [];
        private int _disposeCalls;

        public IChannelSubscriber Subscriber { get; } = subscriber;

        public ReplayFrom From { get; } = from;

        public ChannelStart Start { get; } = start;

        public bool IsDisposed => Volatile.Read(ref _disposeCalls) > 0;

        /// <summary>The topics it was told of, in order (<see langword="null"/> for a <see cref="RefreshAll"/>).</summary>
        public IReadOnlyList<string?> Refreshes
        {
            get
            {
                lock (_lock)
                {
                    return [.. _refreshes];
                }
            }
        }

        public void Refresh(string topic)
        {
            lock (_lock)
            {
                _refreshes.Add(topic);
            }
        }

        public void RefreshAll()
        {
            lock (_lock)
            {
                _refreshes.Add(null);
            }
        }

        public void Dispose() => Interlocked.Increment(ref _disposeCalls);
    }
}
