namespace SsePluginHost.Channels;

/// <summary>
/// One subscriber's place in a mount channel on this host: disposing it stops the live events;
/// while it lasts, the channel is told when the topics the subscriber follows change, so that
/// an event of a topic is offered to that topic's followers only.
/// </summary>
/// <remarks>
/// The channel keeps, for each topic, the subscribers that follow it, and
/// <see cref="IChannelSubscriber.Follows"/> stays the truth: each call re-reads it, under the
/// channel's lock, and brings the index in line, so calls that race with a change, with each
/// other or with the subscription's start settle on what the subscriber follows. A call after the
/// subscription was disposed does nothing.
/// </remarks>
internal interface IChannelSubscription : IDisposable
{
    /// <summary>Re-reads whether the subscriber follows <paramref name="topic"/> (it started or stopped following it).</summary>
    void Refresh(string topic);

    /// <summary>Re-reads every topic: those the subscriber no longer follows and those of <see cref="IChannelSubscriber.Topics"/>.</summary>
    void RefreshAll();
}
