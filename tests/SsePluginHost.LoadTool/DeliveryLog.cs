using System.Diagnostics;
using System.Numerics;

namespace SsePluginHost.LoadTool;

/// <summary>
/// What one stream received: a bit per sequence number, duplicates, and the latency of each first
/// arrival (into the shared histogram). Written by that stream's receive loop only.
/// </summary>
internal sealed class DeliveryLog(int events, LatencyHistogram latency)
{
    private static readonly long TicksPerMicrosecond = Math.Max(1, Stopwatch.Frequency / 1_000_000);

    private readonly ulong[] _received = new ulong[(events + 63) / 64];
    private long _distinct;
    private long _lastArrival;

    /// <summary>Bench events that arrived at least once.</summary>
    public long Distinct => Volatile.Read(ref _distinct);

    /// <summary>Bench events that arrived again.</summary>
    public long Duplicates { get; private set; }

    /// <summary>Bench-looking events whose sequence number is out of range (another run's, say).</summary>
    public long Foreign { get; private set; }

    /// <summary>The Stopwatch time of the latest first arrival; 0 before any.</summary>
    public long LastArrival => Volatile.Read(ref _lastArrival);

    public void Record(long seq, long publishedAt, long receivedAt)
    {
        if ((ulong)seq >= (ulong)events)
        {
            Foreign++;
            return;
        }

        ref ulong word = ref _received[seq >> 6];
        ulong bit = 1UL << (int)(seq & 63);
        if ((word & bit) != 0)
        {
            Duplicates++;
            return;
        }

        word |= bit;
        latency.Record((receivedAt - publishedAt) / TicksPerMicrosecond);
        Volatile.Write(ref _lastArrival, receivedAt);
        Volatile.Write(ref _distinct, _distinct + 1);
    }

    /// <summary>How many of the published events (a bit set each) never arrived here.</summary>
    public long CountMissing(ulong[] published)
    {
        long missing = 0;
        for (int i = 0; i < _received.Length; i++)
        {
            missing += BitOperations.PopCount(published[i] & ~_received[i]);
        }

        return missing;
    }
}
