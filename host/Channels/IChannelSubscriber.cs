namespace SsePluginHost.Channels;

/// <summary>
/// What receives a mount channel's events on this host: in practice one client session.
/// </summary>
/// <remarks>
/// The channel calls <see cref="OnStart"/> once, then <see cref="OnEvent"/> once for every later
/// event, in order, never two at a time. Both are called while the channel holds its ordering
/// lock, so they must only queue what they get and return: no waiting, no plugin code.
/// </remarks>
internal interface IChannelSubscriber
{
    /// <summary>The replay (or the reset signal), before any live event.</summary>
    void OnStart(ChannelStart start);

    /// <summary>One live event; returns whether it was taken (false: the subscriber is full or gone).</summary>
    bool OnEvent(ChannelEvent channelEvent);

    /// <summary>Whether it gets the events of <paramref name="topic"/> (asked under the channel's lock: a lookup, no more).</summary>
    bool Follows(string topic);

    /// <summary>
    /// The topics it follows now, read under the channel's lock when it subscribes (and by
    /// <see cref="IChannelSubscription.RefreshAll"/>); a change after that is told to the channel
    /// through <see cref="IChannelSubscription.Refresh"/>.
    /// </summary>
    IReadOnlyCollection<string> Topics { get; }
}
