namespace SsePluginHost.Streaming;

/// <summary>
/// A shared beat that writers wait for before they write, so that events queued meanwhile go out
/// in one write and one flush. One timer serves every writer, and it runs only while someone waits.
/// </summary>
internal sealed class FlushTicker : IDisposable
{
    private readonly TimeSpan _interval;
    private readonly Timer _timer;
    private TaskCompletionSource _next = NewSource();
    private int _armed;

    public FlushTicker(TimeSpan interval)
    {
        _interval = interval;
        _timer = new Timer(static state => ((FlushTicker)state!).Tick(), this, Timeout.Infinite, Timeout.Infinite);
    }

    /// <summary>Whether writers wait at all (an interval of zero writes at once).</summary>
    public bool Enabled => _interval > TimeSpan.Zero;

    /// <summary>Completes at the next beat, at most one interval from now.</summary>
    public Task NextAsync()
    {
        Task next = Volatile.Read(ref _next).Task;
        if (Interlocked.Exchange(ref _armed, 1) == 0)
        {
            try
            {
                _timer.Change(_interval, Timeout.InfiniteTimeSpan);
            }
            catch (ObjectDisposedException)
            {
                return Task.CompletedTask;
            }
        }

        return next;
    }

    public void Dispose()
    {
        _timer.Dispose();
        Volatile.Read(ref _next).TrySetResult();
    }

    private static TaskCompletionSource NewSource() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private void Tick()
    {
        // Disarm first: a writer that arrives from here on arms the timer again, so none waits
        // on a beat that nobody will give.
        Volatile.Write(ref _armed, 0);
        Interlocked.Exchange(ref _next, NewSource()).TrySetResult();
    }
}
