using System.Collections.Concurrent;
using SsePluginHost.Channels;

namespace SsePluginHost.Tests.Unit;

/// <summary>The sessions of a mount as a channel sees them, recording what it hands them and giving a set answer.</summary>
internal sealed class RecordingRecipients : IDirectRecipients
{
    private readonly ConcurrentQueue<(string SessionId, byte[] Frame)> _deliveries = new();
    private volatile bool _answer = true;

    /// <summary>What <see cref="Deliver"/> returns: whether the session was found and took the frame.</summary>
    public bool Answer
    {
        get => _answer;
        set => _answer = value;
    }

    public IReadOnlyList<(string SessionId, byte[] Frame)> Deliveries => [.. _deliveries];

    public bool Deliver(string sessionId, byte[] frame)
    {
        _deliveries.Enqueue((sessionId, frame));
        return _answer;
    }
}
