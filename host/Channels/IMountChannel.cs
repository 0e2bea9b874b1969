namespace SsePluginHost.Channels;

/// <summary>
/// The only way events enter a mount. Every source — the plugin's broadcasts and sends, the
/// publish API, the Unix socket, UDP, the console, later another host — publishes here; the
/// channel gives each event its id, keeps the history, serves replay from a position and hands
/// each subscriber over from replay to live events with no gap and no duplicate. Clients are
/// fed by what the channel delivers, not by the publisher's call.
/// </summary>
/// <remarks>
/// Ids are opaque: only the channel that gave them reads them. The in-process channel
/// (<see cref="InProcessMountChannel"/>) is the default; <c>MountChannelContract</c> in the tests
/// pins the behaviour every implementation must have.
/// </remarks>
internal interface IMountChannel : IDisposable
{
    /// <summary>
    /// Publishes an event to every subscriber, in the one order all of them see, and records it
    /// for replay. The event gets the channel's next id unless it brings its own.
    /// </summary>
    /// <returns>
    /// Completes once the event has been handed to this host's subscribers (at once in process;
    /// after the round trip through Redis, or once Redis is back, with the Redis channel). Fails
    /// with <see cref="ChannelUnavailableException"/> when the channel could not take it.
    /// </returns>
    /// <exception cref="ArgumentException">The event's own id cannot be framed (nothing is published).</exception>
    ValueTask<PublishReceipt> PublishAsync(EventBody body);

    /// <summary>Sends an event to one session of the mount (no id, not recorded).</summary>
    /// <returns>Whether the session was found and took it.</returns>
    bool SendTo(string sessionId, EventBody body);

    /// <summary>
    /// Subscribes: <see cref="IChannelSubscriber.OnStart"/> gets what came after
    /// <paramref name="from"/> (or the reset signal), then every later event goes to
    /// <see cref="IChannelSubscriber.OnEvent"/>, until the subscription is disposed. An event of a
    /// topic goes only to those that follow it: the subscriber's <see cref="IChannelSubscriber.Topics"/>
    /// when it subscribes, and later those it tells the subscription of
    /// (<see cref="IChannelSubscription.Refresh"/>).
    /// </summary>
    IChannelSubscription Subscribe(IChannelSubscriber subscriber, ReplayFrom from, out ChannelStart start);

    /// <summary>How many events the history holds now.</summary>
    int HistoryCount { get; }

    /// <summary>How many subscribers of this host get live events now.</summary>
    int SubscriberCount { get; }

    /// <summary>
    /// Whether an event published now goes out: always in process; with Redis, while it is
    /// reachable (otherwise events wait in a bounded buffer until it is back; just after it is
    /// back they may wait a moment while this host catches up).
    /// </summary>
    bool IsAvailable { get; }
}
