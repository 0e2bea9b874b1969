using System.Numerics;

namespace SsePluginHost.LoadTool;

/// <summary>
/// A thread-safe histogram of microsecond values in HdrHistogram-style log-linear buckets:
/// exact below 128 µs, then 64 buckets per power of two (at most 1.6% too high), up to about
/// 50 days. Recording is one interlocked increment and allocates nothing.
/// </summary>
internal sealed class LatencyHistogram
{
    private const int LinearLimit = 128;
    private const int SubBuckets = 64;
    private const int MaxBits = 42;

    private readonly long[] _counts = new long[LinearLimit + ((MaxBits - 7) * SubBuckets)];
    private long _count;
    private long _sum;
    private long _max;

    public long Count => Volatile.Read(ref _count);

    public long Max => Volatile.Read(ref _max);

    public double Mean => Count == 0 ? 0 : (double)Volatile.Read(ref _sum) / Count;

    /// <summary>Records one value in microseconds (negative counts as 0).</summary>
    public void Record(long micros)
    {
        if (micros < 0)
        {
            micros = 0;
        }

        long capped = Math.Min(micros, (1L << MaxBits) - 1);
        Interlocked.Increment(ref _counts[IndexOf(capped)]);
        Interlocked.Increment(ref _count);
        Interlocked.Add(ref _sum, micros);
        long max = Volatile.Read(ref _max);
        while (micros > max)
        {
            long seen = Interlocked.CompareExchange(ref _max, micros, max);
            if (seen == max)
            {
                break;
            }

            max = seen;
        }
    }

    /// <summary>
    /// The value at a percentile (0-100): the highest value of the bucket that holds it, never more
    /// than the largest value recorded; 0 when empty.
    /// </summary>
    public long ValueAtPercentile(double percentile)
    {
        long total = Count;
        if (total == 0)
        {
            return 0;
        }

        long rank = Math.Max(1, (long)Math.Ceiling(percentile / 100.0 * total));
        long seen = 0;
        for (int i = 0; i < _counts.Length; i++)
        {
            seen += Volatile.Read(ref _counts[i]);
            if (seen >= rank)
            {
                return Math.Min(HighestOf(i), Max);
            }
        }

        return Max;
    }

    internal static int IndexOf(long value)
    {
        if (value < LinearLimit)
        {
            return (int)value;
        }

        int bits = 64 - BitOperations.LeadingZeroCount((ulong)value);
        int shift = bits - 7;
        return LinearLimit + ((shift - 1) * SubBuckets) + (int)((value >> shift) - SubBuckets);
    }

    internal static long HighestOf(int index)
    {
        if (index < LinearLimit)
        {
            return index;
        }

        int k = index - LinearLimit;
        int shift = (k / SubBuckets) + 1;
        long m = (k % SubBuckets) + SubBuckets;
        return ((m + 1) << shift) - 1;
    }
}
