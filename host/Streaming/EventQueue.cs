using System.Buffers;

namespace SsePluginHost.Streaming;

/// <summary>
/// A client's bounded queue of framed events: any thread adds, one writer takes. A small ring
/// that grows as needed up to its capacity, so that an idle client costs a few dozen bytes
/// rather than a channel's worth of waiters.
/// </summary>
internal sealed class EventQueue(int capacity, long maxBytes)
{
    private readonly Lock _lock = new();
    private Outgoing[] _items = [];
    private int _head;
    private int _count;
    private long _bytes;
    private bool _completed;
    private TaskCompletionSource<bool>? _waiter;

    /// <summary>Events waiting now.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>Adds an event; false when the queue is full (in events or in bytes) or completed.</summary>
    public bool TryEnqueue(Outgoing item)
    {
        TaskCompletionSource<bool>? waiter;
        lock (_lock)
        {
            if (_completed || _count >= capacity || _bytes + item.Frame.Length > maxBytes)
            {
                return false;
            }

            _bytes += item.Frame.Length;
            if (_count == _items.Length)
            {
                Grow();
            }

            _items[(_head + _count) % _items.Length] = item;
            _count++;
            waiter = _waiter;
            _waiter = null;
        }

        waiter?.TrySetResult(true);
        return true;
    }

    /// <summary>
    /// Puts events in front of what is queued (a replay, or a reset notice), first dropping the
    /// queued broadcasts numbered up to <paramref name="dropBroadcastsThrough"/>: what a replay
    /// carries, or what a reset makes moot. The events count against the limits like any other;
    /// returns false, having added none of them, when they do not all fit (or the queue is completed).
    /// </summary>
    public bool TryPutFirst(IReadOnlyList<Outgoing> first, long dropBroadcastsThrough)
    {
        TaskCompletionSource<bool>? waiter = null;
        bool fits;
        lock (_lock)
        {
            if (_completed)
            {
                // Nothing more is written to a closed session: there is nothing to arrange.
                return true;
            }

            List<Outgoing> kept = new(_count);
            long keptBytes = 0;
            for (int i = 0; i < _count; i++)
            {
                Outgoing item = _items[(_head + i) % _items.Length];
                if (item.Sequence == 0 || item.Sequence > dropBroadcastsThrough)
                {
                    kept.Add(item);
                    keptBytes += item.Frame.Length;
                }
            }

            long firstBytes = 0;
            foreach (Outgoing item in first)
            {
                firstBytes += item.Frame.Length;
            }

            fits = kept.Count + first.Count <= capacity && keptBytes + firstBytes <= maxBytes;
            int total = kept.Count + (fits ? first.Count : 0);
            Outgoing[] items = total == 0 ? [] : new Outgoing[Math.Min(capacity, Math.Max(4, total))];
            int n = 0;
            if (fits)
            {
                foreach (Outgoing item in first)
                {
                    items[n++] = item;
                }
            }

            foreach (Outgoing item in kept)
            {
                items[n++] = item;
            }

            _items = items;
            _head = 0;
            _count = total;
            _bytes = keptBytes + (fits ? firstBytes : 0);
            if (total > 0)
            {
                waiter = _waiter;
                _waiter = null;
            }
        }

        waiter?.TrySetResult(true);
        return fits;
    }

    /// <summary>
    /// Takes events, oldest first, under one lock: writes their frames into <paramref name="into"/>
    /// until about <paramref name="maxBytes"/> are written. <paramref name="lastSequence"/> is the
    /// last broadcast written, or 0; <paramref name="more"/> says whether some is left;
    /// <paramref name="events"/> is how many were taken. Returns whether the queue is finished:
    /// completed, and everything in it taken.
    /// </summary>
    public bool DrainInto(IBufferWriter<byte> into, int maxBytes, out long lastSequence, out bool more, out int events)
    {
        long released = 0;
        lastSequence = 0;
        events = 0;
        lock (_lock)
        {
            while (_count > 0 && released < maxBytes)
            {
                ref Outgoing item = ref _items[_head];
                released += item.Frame.Length;
                if (item.Sequence != 0)
                {
                    lastSequence = item.Sequence;
                }

                into.Write(item.Frame.Span);
                item = default;
                _head = _head + 1 == _items.Length ? 0 : _head + 1;
                _count--;
                events++;
            }

            more = _count > 0;
            _bytes -= released;
            return _completed && _count == 0;
        }
    }

    /// <summary>
    /// Takes out the queued events that are not broadcasts (sent to this client alone, or
    /// notices), oldest first, leaving the broadcasts: what a host hands over with a session.
    /// </summary>
    public List<ReadOnlyMemory<byte>> TakeDirect()
    {
        List<ReadOnlyMemory<byte>> direct = [];
        lock (_lock)
        {
            List<Outgoing> kept = new(_count);
            for (int i = 0; i < _count; i++)
            {
                Outgoing item = _items[(_head + i) % _items.Length];
                if (item.Sequence == 0)
                {
                    direct.Add(item.Frame);
                    _bytes -= item.Frame.Length;
                }
                else
                {
                    kept.Add(item);
                }
            }

            Array.Clear(_items);
            _head = 0;
            _count = kept.Count;
            kept.CopyTo(_items);
        }

        return direct;
    }

    /// <summary>Takes nothing more in; what is queued can still be taken.</summary>
    public void Complete()
    {
        TaskCompletionSource<bool>? waiter;
        lock (_lock)
        {
            _completed = true;
            waiter = _waiter;
            _waiter = null;
        }

        waiter?.TrySetResult(false);
    }

    /// <summary>Completes with true when an event is waiting, or false once the queue is finished.</summary>
    public async ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken)
    {
        TaskCompletionSource<bool> waiter;
        lock (_lock)
        {
            if (_count > 0)
            {
                return true;
            }

            if (_completed)
            {
                return false;
            }

            waiter = _waiter ??= new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        await waiter.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        return await WaitToReadAsync(cancellationToken).ConfigureAwait(false);
    }

    private void Grow()
    {
        Outgoing[] larger = new Outgoing[Math.Min(capacity, Math.Max(4, _items.Length * 2))];
        for (int i = 0; i < _count; i++)
        {
            larger[i] = _items[(_head + i) % _items.Length];
        }

        _items = larger;
        _head = 0;
    }
}
