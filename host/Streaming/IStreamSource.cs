using System.Buffers;
using SsePluginHost.Abstractions;

namespace SsePluginHost.Streaming;

/// <summary>What a <see cref="SocketStreamWriter"/> writes from: a session's queue, or a test's fake.</summary>
internal interface IStreamSource
{
    /// <summary>Whether the session is still open.</summary>
    bool IsConnected { get; }

    /// <summary>Why the session ended, once it has.</summary>
    SseDisconnectReason Reason { get; }

    /// <summary>
    /// Moves what is queued into <paramref name="into"/>, up to about <paramref name="maxBytes"/>;
    /// returns whether the queue is finished (closed, and all taken); <paramref name="more"/> says
    /// whether some is left, <paramref name="events"/> how many events were taken.
    /// </summary>
    bool Drain(IBufferWriter<byte> into, int maxBytes, out bool more, out int events);

    /// <summary>Ends the session with a reason.</summary>
    void Close(SseDisconnectReason reason);
}
