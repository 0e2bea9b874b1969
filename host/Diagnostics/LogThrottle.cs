namespace SsePluginHost.Diagnostics;

/// <summary>
/// Counts occurrences of something that may happen very often (a refused stream, a bad datagram)
/// and says when to log it: at most once per interval, with how many happened since the last line.
/// </summary>
internal sealed class LogThrottle(TimeSpan interval)
{
    private readonly long _intervalMs = (long)interval.TotalMilliseconds;
    private long _lastLogTicks = long.MinValue / 2;
    private long _count;

    /// <summary>Counts one occurrence; returns how many to report now, or 0 when it is not yet time.</summary>
    public long Count()
    {
        Interlocked.Increment(ref _count);
        long now = Environment.TickCount64;
        long last = Interlocked.Read(ref _lastLogTicks);
        if (now - last < _intervalMs || Interlocked.CompareExchange(ref _lastLogTicks, now, last) != last)
        {
            return 0;
        }

        return Interlocked.Exchange(ref _count, 0);
    }
}
