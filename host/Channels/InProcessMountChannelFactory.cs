using SsePluginHost.Configuration;

namespace SsePluginHost.Channels;

/// <summary>Makes <see cref="InProcessMountChannel"/>s: events stay in this process.</summary>
internal sealed class InProcessMountChannelFactory(TimeProvider time) : IMountChannelFactory
{
    public IMountChannel Create(string mountPath, HistorySettings history, IDirectRecipients recipients, IMountChannel? predecessor = null) =>
        predecessor is InProcessMountChannel earlier && earlier.CanContinueWith(history)
            ? earlier.Continue(recipients)
            : new InProcessMountChannel(history, recipients, time);
}
