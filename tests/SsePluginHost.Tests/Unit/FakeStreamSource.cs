using System.Buffers;
using System.Text;
using SsePluginHost.Abstractions;
using SsePluginHost.Streaming;

namespace SsePluginHost.Tests.Unit;

/// <summary>A session's queue for a <see cref="SocketStreamWriter"/>: events the test adds, taken oldest first.</summary>
internal sealed class FakeStreamSource : IStreamSource
{
    private readonly Queue<byte[]> _queued = new();

    /// <summary>Something to do when the writer drains (an event arriving while it writes).</summary>
    public Action? OnDrain { get; set; }

    public bool IsConnected { get; private set; } = true;

    public SseDisconnectReason Reason { get; private set; }

    public void Add(string text) => _queued.Enqueue(Encoding.UTF8.GetBytes(text));

    public bool Drain(IBufferWriter<byte> into, int maxBytes, out bool more, out int events)
    {
        int written = 0;
        events = 0;
        while (_queued.Count > 0 && written < maxBytes)
        {
            byte[] item = _queued.Dequeue();
            into.Write(item);
            written += item.Length;
            events++;
        }

        more = _queued.Count > 0;
        OnDrain?.Invoke();
        return !IsConnected && _queued.Count == 0;
    }

    public void Close(SseDisconnectReason reason)
    {
        if (IsConnected)
        {
            IsConnected = false;
            Reason = reason;
        }
    }
}
