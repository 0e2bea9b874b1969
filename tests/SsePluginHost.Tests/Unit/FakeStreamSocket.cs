using System.Text;
using SsePluginHost.Streaming;

namespace SsePluginHost.Tests.Unit;

/// <summary>
/// A socket for a <see cref="SocketStreamWriter"/> that records every write: it takes at most
/// <see cref="Room"/> bytes at once (a full socket buffer takes none), and a send that waits for the
/// client completes when the test says so.
/// </summary>
internal sealed class FakeStreamSocket : IStreamSocket
{
    private TaskCompletionSource? _waiting;

    /// <summary>How many bytes the socket takes at once from now on.</summary>
    public int Room { get; set; } = int.MaxValue;

    /// <summary>What each non-blocking send took, in order.</summary>
    public List<string> Sends { get; } = [];

    /// <summary>What each send that had to wait for the client carried, in order.</summary>
    public List<string> WaitedSends { get; } = [];

    /// <summary>Whether a send is waiting for the client now.</summary>
    public bool IsWaiting => _waiting is not null;

    public int TrySend(ReadOnlySpan<byte> bytes)
    {
        int taken = Math.Min(Room, bytes.Length);
        if (taken > 0)
        {
            Sends.Add(Encoding.UTF8.GetString(bytes[..taken]));
        }

        return taken;
    }

    public ValueTask SendAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        WaitedSends.Add(Encoding.UTF8.GetString(bytes.Span));
        _waiting = new TaskCompletionSource();
        return new ValueTask(_waiting.Task);
    }

    /// <summary>The client took what the waiting send carried: the writer carries on before this returns.</summary>
    public void CompleteWaitingSend()
    {
        TaskCompletionSource waiting = _waiting ?? throw new InvalidOperationException("No send is waiting.");
        _waiting = null;

        // With no synchronization context the writer's continuation runs here, before this returns
        // (the test framework's own context would send it to the thread pool).
        SynchronizationContext? context = SynchronizationContext.Current;
        SynchronizationContext.SetSynchronizationContext(null);
        try
        {
            waiting.SetResult();
        }
        finally
        {
            SynchronizationContext.SetSynchronizationContext(context);
        }
    }
}
