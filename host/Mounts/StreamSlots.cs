using SsePluginHost.Diagnostics;
using SsePluginHost.Streaming;

namespace SsePluginHost.Mounts;

/// <summary>The streams a mount writes now, within its own limit and the host's, and the throttle of the refusal log.</summary>
internal sealed class StreamSlots(string path, int mountLimit, StreamCounter hostStreams, HostMetrics metrics, TimeProvider time)
{
    private readonly LogThrottle _refusals = new(TimeSpan.FromSeconds(10), time);
    private int _streams;

    /// <summary>The streams being written now.</summary>
    public int Count => Volatile.Read(ref _streams);

    /// <summary>Counts a stream in against the mount's and the host's limits; false (and not counted) when over either.</summary>
    public bool TryEnter(int hostLimit)
    {
        int mine = Interlocked.Increment(ref _streams);
        int all = hostStreams.Increment();
        if ((mountLimit > 0 && mine > mountLimit) || (hostLimit > 0 && all > hostLimit))
        {
            Interlocked.Decrement(ref _streams);
            hostStreams.Decrement();
            return false;
        }

        metrics.StreamOpened(path);
        return true;
    }

    /// <summary>Gives a slot back.</summary>
    public void Exit()
    {
        Interlocked.Decrement(ref _streams);
        hostStreams.Decrement();
        metrics.StreamClosed(path);
    }

    /// <summary>
    /// Counts a refused stream; returns how many were refused since the last log line when it is
    /// time for another (at most one every 10 seconds per mount), or 0.
    /// </summary>
    public long CountRefusal() => _refusals.Count();
}
