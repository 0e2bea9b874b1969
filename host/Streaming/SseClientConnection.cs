using System.Buffers;
using System.IO.Pipelines;
using System.Threading.Channels;
using SsePluginHost.Abstractions;
using SsePluginHost.Mounts;

namespace SsePluginHost.Streaming;

/// <summary>
/// One open stream: the client the plugin sees, its bounded queue of framed events, and the one
/// writer that drains the queue into the response and flushes once per burst.
/// </summary>
internal sealed class SseClientConnection : ISseClient
{
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(2);

    private readonly Mount _mount;
    private readonly Channel<ReadOnlyMemory<byte>> _queue;
    private readonly CancellationTokenSource _stop = new();
    private int _closed;
    private long _lastActivityTicks;

    public SseClientConnection(Mount mount, string sessionId, SseRequest request, object? state, int queueCapacity)
    {
        _mount = mount;
        SessionId = sessionId;
        Request = request;
        State = state;
        ConnectedAt = DateTimeOffset.UtcNow;
        _lastActivityTicks = Environment.TickCount64;
        _queue = Channel.CreateBounded<ReadOnlyMemory<byte>>(new BoundedChannelOptions(queueCapacity)
        {
            SingleReader = true,
            SingleWriter = false,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    public string SessionId { get; }

    public SseRequest Request { get; }

    public DateTimeOffset ConnectedAt { get; }

    public object? State { get; set; }

    public bool IsConnected => Volatile.Read(ref _closed) == 0;

    /// <summary>Why the stream ended; meaningful once <see cref="IsConnected"/> is false.</summary>
    public SseDisconnectReason Reason { get; private set; }

    /// <summary>Milliseconds (<see cref="Environment.TickCount64"/>) when something was last queued.</summary>
    public long LastActivityTicks => Volatile.Read(ref _lastActivityTicks);

    public string MountPath => _mount.Path;

    public bool Send(SseEvent sseEvent)
    {
        ArgumentNullException.ThrowIfNull(sseEvent);
        return Enqueue(SseFramer.Frame(sseEvent));
    }

    public bool Send(string eventType, string data) => Send(new SseEvent(eventType, data));

    public bool Send(string eventType, IEnumerable<string> lines) => Send(SseEvent.FromLines(eventType, lines));

    public void Drop() => Close(SseDisconnectReason.Dropped);

    /// <summary>Queues framed bytes; a client whose queue is full is dropped as a slow consumer.</summary>
    public bool Enqueue(ReadOnlyMemory<byte> frame)
    {
        if (Volatile.Read(ref _closed) != 0)
        {
            return false;
        }

        if (!_queue.Writer.TryWrite(frame))
        {
            Close(SseDisconnectReason.SlowConsumer);
            return false;
        }

        Volatile.Write(ref _lastActivityTicks, Environment.TickCount64);
        return true;
    }

    /// <summary>
    /// Ends the stream with a reason; the first reason wins. What is queued is still written
    /// (for at most a short while) unless the client is too slow to take it.
    /// </summary>
    public void Close(SseDisconnectReason reason)
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0)
        {
            return;
        }

        Reason = reason;
        _mount.Remove(this);
        _queue.Writer.TryComplete();
        try
        {
            if (reason is SseDisconnectReason.SlowConsumer or SseDisconnectReason.ClosedByClient)
            {
                _stop.Cancel();
            }
            else
            {
                _stop.CancelAfter(DrainTimeout);
            }
        }
        catch (ObjectDisposedException)
        {
            // The writer has already finished.
        }
    }

    /// <summary>Drains the queue into the response until the stream ends.</summary>
    public async Task RunWriterAsync(PipeWriter output, CancellationToken requestAborted)
    {
        using CancellationTokenRegistration onAbort = requestAborted.Register(
            static state => ((SseClientConnection)state!).Close(SseDisconnectReason.ClosedByClient), this);
        CancellationToken token = _stop.Token;
        ChannelReader<ReadOnlyMemory<byte>> reader = _queue.Reader;
        try
        {
            while (await reader.WaitToReadAsync(token).ConfigureAwait(false))
            {
                while (reader.TryRead(out ReadOnlyMemory<byte> frame))
                {
                    output.Write(frame.Span);
                }

                FlushResult flushed = await output.FlushAsync(token).ConfigureAwait(false);
                if (flushed.IsCompleted || flushed.IsCanceled)
                {
                    break;
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Dropped, slow, or the client went away.
        }
        catch (IOException)
        {
            // The connection broke while writing.
        }
        finally
        {
            Close(SseDisconnectReason.ClosedByClient);
            _stop.Dispose();
        }
    }
}
