namespace SsePluginHost.Diagnostics;

/// <summary>
/// Counts occurrences of something that may happen very often (a refused stream, a bad datagram)
/// and says when to log it: at most once per interval, with how many happened since the last line.
/// </summary>
internal sealed class LogThrottle(TimeSpan interval, TimeProvider time)
{
    private long _lastLog = long.MinValue;
    private long _count;

    /// <summary>Counts one occurrence; returns how many to report now, or 0 when it is not yet time.</summary>
    public long Count()
    {
        Interlocked.Increment(ref _count);
        long now = time.GetTimestamp();
        long last = Interlocked.Read(ref _lastLog);
        if ((last != long.MinValue && time.GetElapsedTime(last, now) < interval) || Interlocked.CompareExchange(ref _lastLog, now, last) != last)
        {
            return 0;
        }

        return Interlocked.Exchange(ref _count, 0);
    }
}
