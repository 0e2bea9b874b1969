using SsePluginHost.Configuration;

namespace SsePluginHost.Mounts;

/// <summary>
/// The recent broadcasts of one mount, bounded by count and age, for clients that reconnect with
/// <c>Last-Event-ID</c>. Every broadcast is appended with the mount's next sequence number. Not
/// thread-safe: the mount calls it under its publish lock.
/// </summary>
internal sealed class EventHistory
{
    private readonly int _capacity;
    private readonly long _maxAgeMs;
    private readonly Entry[] _ring;
    private readonly Dictionary<string, long> _sequenceById = new(StringComparer.Ordinal);
    private long _firstSequence = 1;
    private long _nextSequence = 1;
    private string? _lastEvictedId;

    public EventHistory(HistorySettings settings)
    {
        _capacity = settings.Count;
        _maxAgeMs = (long)(settings.MaxAgeSeconds * 1000);
        _ring = new Entry[Math.Max(1, _capacity)];
    }

    /// <summary>The id of the newest broadcast, kept or not, or null before the first.</summary>
    public string? LastId { get; private set; }

    /// <summary>How many events are kept now.</summary>
    public int Count => (int)(_nextSequence - _firstSequence);

    /// <summary>Records a broadcast; <paramref name="sequence"/> is one more than the previous one's.</summary>
    public void Append(string id, long sequence, ReadOnlyMemory<byte> frame, long nowMs)
    {
        LastId = id;
        if (_capacity == 0)
        {
            _firstSequence = _nextSequence = sequence + 1;
            _lastEvictedId = id;
            return;
        }

        if (Count == _capacity)
        {
            RemoveOldest();
        }

        _nextSequence = sequence + 1;
        _ring[sequence % _ring.Length] = new Entry(id, frame, nowMs);
        _sequenceById[id] = sequence;
        Expire(nowMs);
    }

    /// <summary>
    /// Adds the frames after the event with the given id, oldest first. Returns false when that id
    /// is neither kept, nor the newest, nor the one just before the oldest kept: the client missed
    /// more than the history holds, or the id is not one of this mount's.
    /// </summary>
    public bool TryCollectAfter(string lastEventId, long nowMs, List<ReadOnlyMemory<byte>> into)
    {
        Expire(nowMs);
        if (string.Equals(lastEventId, LastId, StringComparison.Ordinal))
        {
            return true;
        }

        if (string.Equals(lastEventId, _lastEvictedId, StringComparison.Ordinal))
        {
            return TryCollectAfter(_firstSequence - 1, nowMs, into);
        }

        return _sequenceById.TryGetValue(lastEventId, out long sequence) && TryCollectAfter(sequence, nowMs, into);
    }

    /// <summary>Adds the frames after a sequence number; false when the history does not reach back to it.</summary>
    public bool TryCollectAfter(long sequence, long nowMs, List<ReadOnlyMemory<byte>> into)
    {
        Expire(nowMs);
        if (sequence < _firstSequence - 1 || sequence >= _nextSequence)
        {
            return sequence == _nextSequence - 1;
        }

        for (long s = sequence + 1; s < _nextSequence; s++)
        {
            into.Add(_ring[s % _ring.Length].Frame);
        }

        return true;
    }

    private void Expire(long nowMs)
    {
        if (_maxAgeMs <= 0)
        {
            return;
        }

        while (Count > 0 && nowMs - _ring[_firstSequence % _ring.Length].TimestampMs > _maxAgeMs)
        {
            RemoveOldest();
        }
    }

    private void RemoveOldest()
    {
        ref Entry oldest = ref _ring[_firstSequence % _ring.Length];
        if (_sequenceById.TryGetValue(oldest.Id, out long s) && s == _firstSequence)
        {
            _sequenceById.Remove(oldest.Id);
        }

        _lastEvictedId = oldest.Id;
        oldest = default;
        _firstSequence++;
    }

    private readonly record struct Entry(string Id, ReadOnlyMemory<byte> Frame, long TimestampMs);
}
