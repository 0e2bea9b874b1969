using System.Collections.Concurrent;
using SsePluginHost.Channels;

namespace SsePluginHost.Streaming;

/// <summary>
/// Runs the writers that have something to send, in rounds, and lets pressure rather than a clock
/// decide how much goes in one write (the idea of TCP autocorking):
/// <list type="bullet">
/// <item>A writer made due while no round is under way starts one at once: an event for an idle
/// host goes out with no added wait.</item>
/// <item>A writer made due while a round is under way (or while a fan-out is still handing an event
/// to every subscriber, see <see cref="BeginBurst"/>) waits for the next round, and whatever
/// else reaches its client meanwhile goes out in the same write.</item>
/// <item>Only when that natural batching is heavy already — writers are waiting as a round ends,
/// and the round's writes carried <see cref="BatchingPays"/> events or more each on average (its
/// clients get events faster than they can be written one by one) — does the next round start
/// no earlier than a delay after the last one began: 1 ms, doubling with each such round, up to
/// the bound (<c>SseHost:Streams:MaxCoalesceMilliseconds</c>). Fewer, larger writes then cost
/// less CPU per event where that pays. The delay halves with each round that ends with nobody
/// waiting or whose writes carried fewer than <see cref="BatchingIdle"/> events each, and it
/// counts from when the last round began: after a quiet spell the next event goes out at once.</item>
/// </list>
/// No timer runs while the host is idle; the one timer serves only a delayed round.
/// </summary>
internal sealed class WriteScheduler : IFanOutBurst, IDisposable
{
    /// <summary>Due writers below which one thread runs them all.</summary>
    private const int WritersPerShare = 64;

    /// <summary>Events per write, on average over a round, from which delaying the next round pays.</summary>
    public const double BatchingPays = 2.5;

    /// <summary>Events per write, on average over a round, below which the delay shrinks.</summary>
    public const double BatchingIdle = 1.5;

    private readonly IWorkPost _post;
    private readonly TimeProvider _time;
    private readonly ITimer _timer;
    private readonly long _ticksPerMillisecond;
    private readonly long _maxDelayMilliseconds;
    private readonly ConcurrentQueue<IThreadPoolWorkItem> _ready = new();
    private readonly RoundItem _round;
    private TaskCompletionSource? _nextRound;
    private int _posted;
    private int _bursts;
    private int _delayMilliseconds;
    private long _writtenEvents;
    private long _writes;
    private long _roundStartedAt;
    private volatile bool _disposed;

    /// <summary>Writes at once, always: no delayed rounds (what the unit tests of other parts use).</summary>
    public WriteScheduler()
        : this(TimeSpan.Zero, TimeProvider.System)
    {
    }

    /// <param name="maxDelay">The bound on the delay of a round under pressure; zero never delays one.</param>
    /// <param name="time">The clock of that delay.</param>
    /// <param name="post">Where rounds run: the thread pool unless given.</param>
    public WriteScheduler(TimeSpan maxDelay, TimeProvider time, IWorkPost? post = null)
    {
        _time = time;
        _post = post ?? new ThreadPoolWorkPost();
        _ticksPerMillisecond = Math.Max(1, time.TimestampFrequency / 1000);
        _maxDelayMilliseconds = Math.Max(0, (long)maxDelay.TotalMilliseconds);
        _round = new RoundItem(this);
        _timer = time.CreateTimer(static state => ((WriteScheduler)state!).OnTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Whether rounds are delayed now (writes back up, and batching them pays).</summary>
    public bool UnderPressure => Volatile.Read(ref _delayMilliseconds) > 0;

    /// <summary>How long the next round waits after the last one began, in milliseconds: 0 unless under pressure.</summary>
    public long CurrentDelayMilliseconds => Volatile.Read(ref _delayMilliseconds);

    /// <summary>A writer's report, once per run: how many events its write carried.</summary>
    public void Wrote(int events)
    {
        Interlocked.Add(ref _writtenEvents, events);
        Interlocked.Increment(ref _writes);
    }

    /// <summary>Runs a writer in the next round: at once, unless a round or a fan-out is under way.</summary>
    public void Schedule(IThreadPoolWorkItem writer)
    {
        if (_disposed)
        {
            _post.Post(writer);
            return;
        }

        _ready.Enqueue(writer);
        if (Volatile.Read(ref _bursts) == 0)
        {
            PostRound();
        }
    }

    /// <inheritdoc/>
    public void BeginBurst() => Interlocked.Increment(ref _bursts);

    /// <inheritdoc/>
    public void EndBurst()
    {
        Interlocked.Decrement(ref _bursts);

        // Whether or not another fan-out is under way elsewhere: none of them holds up the rest.
        if (!_ready.IsEmpty)
        {
            PostRound();
        }
    }

    /// <summary>
    /// Completes when the next round begins (one is started if none is coming): how a writer that
    /// is not run by rounds (a response through ASP.NET Core) batches under pressure too.
    /// </summary>
    public Task NextRoundAsync()
    {
        TaskCompletionSource next = Volatile.Read(ref _nextRound) ?? NewNextRound();
        PostRound();
        return next.Task;
    }

    public void Dispose()
    {
        _disposed = true;
        _timer.Dispose();
        Interlocked.Exchange(ref _nextRound, null)?.TrySetResult();
        while (_ready.TryDequeue(out IThreadPoolWorkItem? writer))
        {
            writer.Execute();
        }
    }

    private TaskCompletionSource NewNextRound()
    {
        TaskCompletionSource created = new(TaskCreationOptions.RunContinuationsAsynchronously);
        return Interlocked.CompareExchange(ref _nextRound, created, null) ?? created;
    }

    /// <summary>Starts a round unless one is coming: now, or, under pressure, once its delay since the last round began is over.</summary>
    private void PostRound()
    {
        if (Volatile.Read(ref _posted) != 0 || Interlocked.Exchange(ref _posted, 1) != 0)
        {
            return;
        }

        long delayMs = CurrentDelayMilliseconds;
        if (delayMs > 0 && !_disposed)
        {
            long waitTicks = Volatile.Read(ref _roundStartedAt) + (delayMs * _ticksPerMillisecond) - _time.GetTimestamp();
            if (waitTicks > 0)
            {
                try
                {
                    if (_timer.Change(TimeSpan.FromTicks(Math.Max(1, waitTicks * TimeSpan.TicksPerSecond / _time.TimestampFrequency)), Timeout.InfiniteTimeSpan))
                    {
                        return;
                    }
                }
                catch (ObjectDisposedException)
                {
                }
            }
        }

        _post.Post(_round);
    }

    private void OnTimer() => _post.Post(_round);

    /// <summary>
    /// One round: the writers due now, split over the cores when there are many (this thread runs
    /// the first share), then the next round if writers are waiting already.
    /// </summary>
    private void RunRound()
    {
        Volatile.Write(ref _roundStartedAt, _time.GetTimestamp());
        Interlocked.Exchange(ref _nextRound, null)?.TrySetResult();

        int count = _ready.Count;
        IThreadPoolWorkItem[] due = new IThreadPoolWorkItem[count];
        int taken = 0;
        while (taken < count && _ready.TryDequeue(out IThreadPoolWorkItem? writer))
        {
            due[taken++] = writer;
        }

        // Spread over every core while latency is what counts; under pressure, where batching
        // is, over all but one, so that a round does not hold up the requests that publish.
        int cores = UnderPressure ? Math.Max(1, Environment.ProcessorCount - 1) : Environment.ProcessorCount;
        int shares = Math.Clamp(taken / WritersPerShare, 1, cores);
        int size = taken == 0 ? 0 : (taken + shares - 1) / shares;
        for (int start = size; start < taken; start += size)
        {
            _post.Post(new Share(due, start, Math.Min(taken, start + size)));
        }

        for (int i = 0; i < Math.Min(size, taken); i++)
        {
            due[i].Execute();
        }

        // A full fence before looking: a writer queued from here on sees no round coming and starts one.
        Interlocked.Exchange(ref _posted, 0);
        bool waiting = !_ready.IsEmpty;
        Adapt(waiting);
        if (waiting || Volatile.Read(ref _nextRound) is not null)
        {
            PostRound();
        }
    }

    /// <summary>
    /// After a round: a longer delay when writers are waiting (the host is backed up) and the
    /// round's writes carried many events each; a shorter one when nobody waits or they carried
    /// few. The writes of shares still running count towards the next round.
    /// </summary>
    private void Adapt(bool waiting)
    {
        long writes = Interlocked.Exchange(ref _writes, 0);
        long events = Interlocked.Exchange(ref _writtenEvents, 0);
        if (_maxDelayMilliseconds == 0)
        {
            return;
        }

        int delay = Volatile.Read(ref _delayMilliseconds);

        double perWrite = writes == 0 ? 0 : events / (double)writes;
        if (waiting && perWrite >= BatchingPays)
        {
            delay = (int)Math.Min(_maxDelayMilliseconds, Math.Max(1, delay * 2L));
        }
        else if (!waiting || (writes > 0 && perWrite < BatchingIdle))
        {
            delay /= 2;
        }

        Volatile.Write(ref _delayMilliseconds, delay);
    }

    /// <summary>The work item of a round (one, reused).</summary>
    private sealed class RoundItem(WriteScheduler scheduler) : IThreadPoolWorkItem
    {
        public void Execute() => scheduler.RunRound();
    }

    /// <summary>Writers of a round run by another thread, in order.</summary>
    private sealed class Share(IThreadPoolWorkItem[] writers, int start, int end) : IThreadPoolWorkItem
    {
        public void Execute()
        {
            for (int i = start; i < end; i++)
            {
                writers[i].Execute();
            }
        }
    }
}
