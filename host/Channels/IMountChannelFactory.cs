using SsePluginHost.Configuration;

namespace SsePluginHost.Channels;

/// <summary>Makes the channel of a mount: the in-process one by default.</summary>
internal interface IMountChannelFactory
{
    /// <summary>Creates the channel for a mount path with its history settings.</summary>
    /// <param name="mountPath">The mount's path.</param>
    /// <param name="history">What the channel keeps for replay.</param>
    /// <param name="recipients">Where events sent to one session go.</param>
    /// <param name="predecessor">
    /// The channel of the mount this one replaces at the same path, or <see langword="null"/>: the
    /// new channel continues its history and ids where it can, so that a reload loses no event.
    /// </param>
    IMountChannel Create(string mountPath, HistorySettings history, IDirectRecipients recipients, IMountChannel? predecessor = null);
}
