using SsePluginHost.Channels;
using SsePluginHost.Configuration;

namespace SsePluginHost.Tests.Unit;

/// <summary>Makes a <see cref="FakeMountChannel"/> and remembers what it was asked for.</summary>
internal sealed class FakeMountChannelFactory : IMountChannelFactory
{
    public FakeMountChannel? Channel { get; private set; }

    public string? MountPath { get; private set; }

    public HistorySettings? History { get; private set; }

    public int Calls { get; private set; }

    public IMountChannel Create(string mountPath, HistorySettings history, IDirectRecipients recipients, IMountChannel? predecessor = null)
    {
        Calls++;
        MountPath = mountPath;
        History = history;
        return Channel = new FakeMountChannel(recipients);
    }
}
