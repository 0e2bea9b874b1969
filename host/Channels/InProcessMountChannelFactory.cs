using SsePluginHost.Configuration;

namespace SsePluginHost.Channels;

/// <summary>Makes <see cref="InProcessMountChannel"/>s: events stay in this process.</summary>
internal sealed class InProcessMountChannelFactory(TimeProvider time) : IMountChannelFactory
{
    public IMountChannel Create(string mountPath, HistorySettings history, IDirectRecipients recipients) =>
        new InProcessMountChannel(history, recipients, time);
}
