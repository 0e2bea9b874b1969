using System.Collections.Concurrent;

namespace SsePluginHost.Streaming;

/// <summary>
/// A shared beat that writers wait for before they write, so that events queued meanwhile go out
/// in one write and one flush. One timer serves every writer, and it runs only while someone
/// waits: a writer awaiting <see cref="NextAsync"/>, or one put on the beat with
/// <see cref="Schedule"/>.
/// </summary>
internal sealed class FlushTicker : IDisposable
{
    /// <summary>Due writers below which one thread runs them all.</summary>
    private const int WritersPerShare = 64;

    private readonly TimeSpan _interval;
    private readonly TimeProvider _time;
    private readonly long _ticksPerMillisecond;
    private readonly bool _systemClock;
    private readonly ITimer _timer;
    private readonly ConcurrentQueue<IThreadPoolWorkItem> _due = new();
    private readonly ConcurrentQueue<(IThreadPoolWorkItem Writer, long DueAtMs)> _later = new();
    private TaskCompletionSource _next = NewSource();
    private int _armed;

    public FlushTicker(TimeSpan interval)
        : this(interval, TimeSpan.Zero)
    {
    }

    /// <param name="interval">The beat.</param>
    /// <param name="busyInterval">
    /// How long a writer that wrote within that time waits before it writes again (see
    /// <see cref="BusyMilliseconds"/>); no longer than the beat turns it off.
    /// </param>
    public FlushTicker(TimeSpan interval, TimeSpan busyInterval)
        : this(interval, busyInterval, TimeProvider.System)
    {
    }

    /// <param name="interval">The beat.</param>
    /// <param name="busyInterval">How long a writer that wrote within that time waits before it writes again.</param>
    /// <param name="time">The clock of the beat and of <see cref="NowMilliseconds"/>.</param>
    public FlushTicker(TimeSpan interval, TimeSpan busyInterval, TimeProvider time)
    {
        _interval = interval;
        _time = time;
        _ticksPerMillisecond = Math.Max(1, time.TimestampFrequency / 1000);
        _systemClock = ReferenceEquals(time, TimeProvider.System);
        BusyMilliseconds = interval > TimeSpan.Zero && busyInterval > interval ? (long)busyInterval.TotalMilliseconds : 0;
        _timer = time.CreateTimer(static state => ((FlushTicker)state!).Tick(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>
    /// The ticker's clock in milliseconds, for writers' busy intervals and <see cref="ScheduleAt"/>:
    /// on the system clock <see cref="Environment.TickCount64"/> (the cheapest monotonic clock,
    /// read on every writer run), otherwise the given clock's timestamp.
    /// </summary>
    public long NowMilliseconds => _systemClock ? Environment.TickCount64 : _time.GetTimestamp() / _ticksPerMillisecond;

    /// <summary>Whether writers wait at all (an interval of zero writes at once).</summary>
    public bool Enabled => _interval > TimeSpan.Zero;

    /// <summary>
    /// A writer that wrote less than this many milliseconds ago writes again only this long
    /// after its last write (<see cref="ScheduleAt"/>): a client that receives events all the
    /// time gets them in fewer, larger writes, while one that receives now and then gets each
    /// at the next beat. 0 when off.
    /// </summary>
    public long BusyMilliseconds { get; }

    /// <summary>Completes at the next beat, at most one interval from now.</summary>
    public Task NextAsync()
    {
        Task next = Volatile.Read(ref _next).Task;
        return Arm() ? next : Task.CompletedTask;
    }

    /// <summary>Runs a writer on the thread pool at the next beat (at once when the interval is zero).</summary>
    public void Schedule(IThreadPoolWorkItem writer)
    {
        if (!Enabled)
        {
            ThreadPool.UnsafeQueueUserWorkItem(writer, preferLocal: false);
            return;
        }

        _due.Enqueue(writer);
        Arm();
    }

    /// <summary>Runs a writer at the first beat at or after <paramref name="dueAtMs"/> (<see cref="NowMilliseconds"/>).</summary>
    public void ScheduleAt(IThreadPoolWorkItem writer, long dueAtMs)
    {
        if (BusyMilliseconds == 0)
        {
            Schedule(writer);
            return;
        }

        _later.Enqueue((writer, dueAtMs));
        Arm();
    }

    public void Dispose()
    {
        _timer.Dispose();
        Volatile.Read(ref _next).TrySetResult();
        RunDue();
    }

    private static TaskCompletionSource NewSource() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Starts the timer unless it runs already; false once disposed.</summary>
    private bool Arm()
    {
        if (Volatile.Read(ref _armed) == 0 && Interlocked.Exchange(ref _armed, 1) == 0)
        {
            try
            {
                if (!_timer.Change(_interval, Timeout.InfiniteTimeSpan))
                {
                    return false;
                }
            }
            catch (ObjectDisposedException)
            {
                return false;
            }
        }

        return true;
    }

    private void Tick()
    {
        // Disarm first: a writer that arrives from here on arms the timer again, so none waits
        // on a beat that nobody will give.
        Volatile.Write(ref _armed, 0);
        Interlocked.Exchange(ref _next, NewSource()).TrySetResult();
        RunDue();
    }

    /// <summary>
    /// Runs the writers due at this beat in a few work items, one per core at most, rather than
    /// one work item (and thread wake-up) per writer.
    /// </summary>
    private void RunDue()
    {
        List<IThreadPoolWorkItem> due = new(_due.Count);
        for (int n = _due.Count; n > 0 && _due.TryDequeue(out IThreadPoolWorkItem? writer); n--)
        {
            due.Add(writer);
        }

        // Waiting writers are queued roughly in the order they fall due: take them from the
        // front while they are due by the middle of the next beat.
        long horizon = NowMilliseconds + ((long)_interval.TotalMilliseconds / 2);
        while (_later.TryPeek(out (IThreadPoolWorkItem Writer, long DueAtMs) waiting) && waiting.DueAtMs <= horizon
            && _later.TryDequeue(out waiting))
        {
            due.Add(waiting.Writer);
        }

        if (!_later.IsEmpty)
        {
            Arm();
        }

        int taken = due.Count;
        if (taken == 0)
        {
            return;
        }

        // Not on this thread: a timer callback that runs long holds up the other timers.
        int shares = Math.Clamp(taken / WritersPerShare, 1, Environment.ProcessorCount);
        int size = (taken + shares - 1) / shares;
        for (int start = 0; start < taken; start += size)
        {
            ThreadPool.UnsafeQueueUserWorkItem(new Share(due, start, Math.Min(taken, start + size)), preferLocal: false);
        }
    }

    /// <summary>Writers run by one thread, in order.</summary>
    private sealed class Share(List<IThreadPoolWorkItem> writers, int start, int end) : IThreadPoolWorkItem
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
