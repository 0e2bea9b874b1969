using SsePluginHost.Configuration;

namespace SsePluginHost.Channels;

/// <summary>Makes <see cref="InProcessMountChannel"/>s: events stay in this process.</summary>
/// <param name="time">The channels' clock.</param>
/// <param name="burst">Told of each fan-out (the host's <see cref="Streaming.WriteScheduler"/>).</param>
internal sealed class InProcessMountChannelFactory(TimeProvider time, IFanOutBurst? burst = null) : IMountChannelFactory
{
    public IMountChannel Create(string mountPath, HistorySettings history, IDirectRecipients recipients, IMountChannel? predecessor = null) =>
        predecessor is InProcessMountChannel earlier && earlier.CanContinueWith(history)
            ? earlier.Continue(recipients)
            : new InProcessMountChannel(history, recipients, time, burst);
}
