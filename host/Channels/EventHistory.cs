using SsePluginHost.Configuration;

namespace SsePluginHost.Channels;

/// <summary>
/// The recent events of one in-process channel, bounded by count and age, for subscribers that
/// start from a position. Every event is appended with the channel's next sequence number. Not
/// thread-safe: the channel calls it under its lock.
/// </summary>
internal sealed class EventHistory
{
    private readonly int _capacity;
    private readonly TimeSpan _maxAge;
    private readonly TimeProvider _time;
    private readonly ChannelEvent?[] _ring;
    private readonly Dictionary<string, long> _sequenceById = new(StringComparer.Ordinal);
    private long _firstSequence = 1;
    private long _nextSequence = 1;
    private string? _lastEvictedId;

    public EventHistory(HistorySettings settings, TimeProvider time)
    {
        _capacity = settings.Count;
        _maxAge = TimeSpan.FromSeconds(settings.MaxAgeSeconds);
        _time = time;
        _ring = new ChannelEvent?[Math.Max(1, _capacity)];
    }

    /// <summary>The id of the newest event, kept or not, or null before the first.</summary>
    public string? LastId { get; private set; }

    /// <summary>How many events are kept now.</summary>
    public int Count => (int)(_nextSequence - _firstSequence);

    /// <summary>Records an event; its sequence is one more than the previous one's.</summary>
    public void Append(ChannelEvent channelEvent)
    {
        LastId = channelEvent.Id;
        if (_capacity == 0)
        {
            _firstSequence = _nextSequence = channelEvent.Sequence + 1;
            _lastEvictedId = channelEvent.Id;
            return;
        }

        if (Count == _capacity)
        {
            RemoveOldest();
        }

        _nextSequence = channelEvent.Sequence + 1;
        _ring[channelEvent.Sequence % _ring.Length] = channelEvent;
        _sequenceById[channelEvent.Id] = channelEvent.Sequence;
        Expire();
    }

    /// <summary>
    /// Adds the events after the one with the given id, oldest first. Returns false when that id
    /// is neither kept, nor the newest, nor the one just before the oldest kept: the client missed
    /// more than the history holds, or the id is not one of this channel's.
    /// </summary>
    public bool TryCollectAfter(string lastEventId, List<ChannelEvent> into)
    {
        Expire();
        if (string.Equals(lastEventId, LastId, StringComparison.Ordinal))
        {
            return true;
        }

        if (string.Equals(lastEventId, _lastEvictedId, StringComparison.Ordinal))
        {
            return TryCollectAfter(_firstSequence - 1, into);
        }

        return _sequenceById.TryGetValue(lastEventId, out long sequence) && TryCollectAfter(sequence, into);
    }

    /// <summary>Adds the events after a sequence number; false when the history does not reach back to it.</summary>
    public bool TryCollectAfter(long sequence, List<ChannelEvent> into)
    {
        Expire();
        if (sequence < _firstSequence - 1 || sequence >= _nextSequence)
        {
            return sequence == _nextSequence - 1;
        }

        for (long s = sequence + 1; s < _nextSequence; s++)
        {
            into.Add(_ring[s % _ring.Length]!);
        }

        return true;
    }

    /// <summary>
    /// Forgets every event and id (the positions they stood for no longer exist); the next event
    /// appended must have the sequence after the newest one appended so far.
    /// </summary>
    public void Clear()
    {
        Array.Clear(_ring);
        _sequenceById.Clear();
        _firstSequence = _nextSequence;
        LastId = null;
        _lastEvictedId = null;
    }

    /// <summary>Drops the events older than the age limit.</summary>
    public void Expire()
    {
        if (_maxAge <= TimeSpan.Zero)
        {
            return;
        }

        while (Count > 0 && _time.GetElapsedTime(_ring[_firstSequence % _ring.Length]!.Timestamp) > _maxAge)
        {
            RemoveOldest();
        }
    }

    private void RemoveOldest()
    {
        ref ChannelEvent? oldest = ref _ring[_firstSequence % _ring.Length];
        if (_sequenceById.TryGetValue(oldest!.Id, out long s) && s == _firstSequence)
        {
            _sequenceById.Remove(oldest.Id);
        }

        _lastEvictedId = oldest.Id;
        oldest = null;
        _firstSequence++;
    }
}
