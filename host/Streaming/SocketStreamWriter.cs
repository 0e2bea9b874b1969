using System.Buffers;

namespace SsePluginHost.Streaming;

/// <summary>
/// Writes one session's queue straight to its connection's socket. It is not a task waiting per
/// client: queuing an event marks the writer due, the <see cref="WriteScheduler"/> runs it in its
/// next round on the thread pool (at once when the host is not backed up), and that run drains
/// the whole queue into one buffer and sends it with one non-blocking <c>send</c>. Events that
/// reach the client while it is due, running or waiting for its socket go out together in its
/// next run. Only a client whose socket buffer is full costs an asynchronous send, until it has
/// taken the rest.
/// </summary>
internal sealed class SocketStreamWriter : IThreadPoolWorkItem
{
    /// <summary>The most bytes one run drains; the rest goes in the next run.</summary>
    private const int MaxRunBytes = 256 * 1024;

    /// <summary>A client whose socket takes nothing of a pending send for this long is dropped as a slow consumer.</summary>
    private static readonly TimeSpan StalledSendTimeout = TimeSpan.FromSeconds(30);

    private const int Idle = 0;
    private const int Due = 1;
    private const int Running = 2;
    private const int RunningDue = 3;

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_buffer;

    private readonly IStreamSocket _socket;
    private readonly IStreamSource _session;
    private readonly WriteScheduler _scheduler;
    private readonly CancellationToken _stop;
    private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _state;
    private int _sending;

    public SocketStreamWriter(IStreamSocket socket, IStreamSource session, WriteScheduler scheduler, CancellationToken stop)
    {
        _socket = socket;
        _session = session;
        _scheduler = scheduler;
        _stop = stop;
        stop.UnsafeRegister(static state => ((SocketStreamWriter)state!)._ended.TrySetResult(), this);
    }

    /// <summary>Completes when the writer has stopped: stopped from outside, the session's queue finished, or the socket failed.</summary>
    public Task Ended => _ended.Task;

    /// <summary>Whether a send is waiting for the client to take bytes (its socket buffer is full).</summary>
    public bool IsSending => Volatile.Read(ref _sending) != 0;

    /// <summary>Marks the writer due: it runs in the scheduler's next round (unless it is due already, or running: then again after that run).</summary>
    public void Schedule()
    {
        while (true)
        {
            int state = Volatile.Read(ref _state);
            int next = state switch
            {
                Idle => Due,
                Running => RunningDue,
                _ => -1,
            };
            if (next < 0)
            {
                return;
            }

            if (Interlocked.CompareExchange(ref _state, next, state) == state)
            {
                if (next == Due)
                {
                    _scheduler.Schedule(this);
                }

                return;
            }
        }
    }

    /// <summary>One run, on the thread pool: drain, send, and go idle or due again.</summary>
    public void Execute()
    {
        Volatile.Write(ref _state, Running);
        if (_ended.Task.IsCompleted)
        {
            return;
        }

        ArrayBufferWriter<byte> buffer = t_buffer ??= new ArrayBufferWriter<byte>(16 * 1024);
        buffer.ResetWrittenCount();
        bool finished = _session.Drain(buffer, MaxRunBytes, out bool more, out int events);
        if (events > 0)
        {
            _scheduler.Wrote(events);
        }

        if (buffer.WrittenCount > 0 && !TrySendNow(buffer.WrittenSpan, out int sent))
        {
            if (sent < 0)
            {
                _ended.TrySetResult();
                return;
            }

            if (finished && _session.Reason is Abstractions.SseDisconnectReason.Dropped or Abstractions.SseDisconnectReason.Shutdown)
            {
                // The client was dropped (or the host stops) and is not taking what is left:
                // stop now, rather than hold the socket and the bytes until it reads or goes away.
                _ended.TrySetResult();
                return;
            }

            // The client's socket buffer is full: send the rest asynchronously, then carry on.
            byte[] rest = ArrayPool<byte>.Shared.Rent(buffer.WrittenCount - sent);
            buffer.WrittenSpan[sent..].CopyTo(rest);
            _ = SendRestAsync(rest, buffer.WrittenCount - sent, finished, more);
            return;
        }

        AfterRun(finished, more);
    }

    private bool TrySendNow(ReadOnlySpan<byte> bytes, out int sent)
    {
        sent = _socket.TrySend(bytes);
        return sent == bytes.Length;
    }

    private async Task SendRestAsync(byte[] rest, int length, bool finished, bool more)
    {
        Interlocked.Exchange(ref _sending, 1);
        using CancellationTokenSource stalled = CancellationTokenSource.CreateLinkedTokenSource(_stop);
        stalled.CancelAfter(StalledSendTimeout);
        try
        {
            if (!_session.IsConnected && _session.Reason is Abstractions.SseDisconnectReason.Dropped or Abstractions.SseDisconnectReason.Shutdown)
            {
                // Closed as this send began (see SseSession.Close): do not wait for the client.
                _ended.TrySetResult();
                return;
            }

            await _socket.SendAsync(rest.AsMemory(0, length), stalled.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or System.Net.Sockets.SocketException or ObjectDisposedException)
        {
            if (!_stop.IsCancellationRequested && stalled.IsCancellationRequested)
            {
                _session.Close(Abstractions.SseDisconnectReason.SlowConsumer);
            }

            _ended.TrySetResult();
            return;
        }
        finally
        {
            Interlocked.Exchange(ref _sending, 0);
            ArrayPool<byte>.Shared.Return(rest);
        }

        AfterRun(finished, more);
    }

    private void AfterRun(bool finished, bool more)
    {
        if (finished)
        {
            _ended.TrySetResult();
            return;
        }

        if (!more && Interlocked.CompareExchange(ref _state, Idle, Running) == Running)
        {
            return;
        }

        // More than one run takes, or more was queued meanwhile: go again in the next round.
        Volatile.Write(ref _state, Due);
        _scheduler.Schedule(this);
    }
}
