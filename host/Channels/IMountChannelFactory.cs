using SsePluginHost.Configuration;

namespace SsePluginHost.Channels;

/// <summary>Makes the channel of a mount: the in-process one by default.</summary>
internal interface IMountChannelFactory
{
    /// <summary>Creates the channel for a mount path with its history settings.</summary>
    IMountChannel Create(string mountPath, HistorySettings history, IDirectRecipients recipients);
}
