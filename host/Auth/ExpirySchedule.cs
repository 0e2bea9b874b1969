namespace SsePluginHost.Auth;

/// <summary>
/// When the streams of one mount end because their credentials expire: one timer for them all,
/// armed for the earliest, instead of one timer per stream. Streams that expire at the same
/// moment (JWT <c>exp</c> is in whole seconds) share one entry, and a stream that ends first
/// is taken out at once, so a closed stream is not kept until its token would have expired.
/// </summary>
internal sealed class ExpirySchedule : IDisposable
{
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private readonly SortedDictionary<long, HashSet<IExpiring>> _due = [];
    private ITimer? _timer;
    private long _armedFor = long.MaxValue;
    private bool _disposed;

    public ExpirySchedule(TimeProvider time)
    {
        _time = time;
    }

    /// <summary>How many are waiting for their time.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _due.Values.Sum(static set => set.Count);
            }
        }
    }

    /// <summary>
    /// Ends <paramref name="item"/> at <paramref name="at"/> (at once if that has passed). Returns
    /// the entry's key, which <see cref="Remove"/> takes; 0 when nothing was added (disposed).
    /// </summary>
    public long Add(IExpiring item, DateTimeOffset at)
    {
        long key = Math.Max(1, at.UtcTicks);
        lock (_lock)
        {
            if (_disposed)
            {
                return 0;
            }

            if (!_due.TryGetValue(key, out HashSet<IExpiring>? set))
            {
                _due.Add(key, set = new HashSet<IExpiring>(ReferenceEqualityComparer.Instance));
            }

            set.Add(item);
            ArmFor(key);
        }

        return key;
    }

    /// <summary>Takes out an entry made by <see cref="Add"/> (nothing if it is not there: already expired, or a key of 0).</summary>
    public void Remove(IExpiring item, long key)
    {
        if (key == 0)
        {
            return;
        }

        lock (_lock)
        {
            if (_due.TryGetValue(key, out HashSet<IExpiring>? set) && set.Remove(item) && set.Count == 0)
            {
                _due.Remove(key);
            }

            // The timer stays armed: when it fires for nothing, it arms itself for what is left.
        }
    }

    public void Dispose()
    {
        ITimer? timer;
        lock (_lock)
        {
            _disposed = true;
            _due.Clear();
            timer = _timer;
            _timer = null;
        }

        timer?.Dispose();
    }

    /// <summary>Arms the timer for <paramref name="key"/> if that is earlier than what it is armed for. Under the lock.</summary>
    private void ArmFor(long key)
    {
        if (key >= _armedFor)
        {
            return;
        }

        _armedFor = key;
        TimeSpan due = new DateTimeOffset(key, TimeSpan.Zero) - _time.GetUtcNow();
        due = due > TimeSpan.Zero ? due : TimeSpan.Zero;
        if (_timer is null)
        {
            _timer = _time.CreateTimer(static state => ((ExpirySchedule)state!).Fire(), this, due, Timeout.InfiniteTimeSpan);
        }
        else
        {
            _timer.Change(due, Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>The timer fired: ends what is due (outside the lock), and arms for the next.</summary>
    private void Fire()
    {
        List<(IExpiring Item, long Key)>? expired = null;
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            long now = _time.GetUtcNow().UtcTicks;
            while (_due.Count > 0)
            {
                KeyValuePair<long, HashSet<IExpiring>> first = _due.First();
                if (first.Key > now)
                {
                    break;
                }

                _due.Remove(first.Key);
                expired ??= [];
                foreach (IExpiring item in first.Value)
                {
                    expired.Add((item, first.Key));
                }
            }

            _armedFor = long.MaxValue;
            if (_due.Count > 0)
            {
                ArmFor(_due.First().Key);
            }
        }

        if (expired is null)
        {
            return;
        }

        foreach ((IExpiring item, long key) in expired)
        {
            item.Expire(key);
        }
    }
}
