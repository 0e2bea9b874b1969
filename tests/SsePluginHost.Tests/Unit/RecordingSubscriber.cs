using SsePluginHost.Channels;

namespace SsePluginHost.Tests.Unit;

/// <summary>
/// A channel subscriber that records its start and every event it is offered, can be told to
/// refuse events, and can run an action during <see cref="IChannelSubscriber.OnEvent"/> (as a
/// session that closes itself would). Thread-safe; it also notices calls that overlap or come
/// before the start, which the channel's contract forbids.
/// </summary>
internal sealed class RecordingSubscriber : IChannelSubscriber
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private readonly Lock _lock = new();
    private readonly List<ChannelEvent> _events = [];
    private readonly List<(int Count, TaskCompletionSource Done)> _waiters = [];
    private ChannelStart? _start;
    private int _startCalls;
    private int _eventsBeforeStart;
    private int _inside;
    private int _overlaps;
    private int _followsCalls;
    private volatile bool _refuse;

    /// <summary>Whether <see cref="IChannelSubscriber.OnEvent"/> answers false (full or gone).</summary>
    public bool Refuse
    {
        get => _refuse;
        set => _refuse = value;
    }

    /// <summary>
    /// The topics it follows (all others' events are not offered to it). Changed directly before
    /// it subscribes; after, through <see cref="Follow"/> and <see cref="Unfollow"/>, which hold its lock.
    /// </summary>
    public HashSet<string> Topics { get; } = new(StringComparer.Ordinal);

    /// <summary>How many times the channel asked <see cref="Follows"/>.</summary>
    public int FollowsCalls => Volatile.Read(ref _followsCalls);

    /// <summary>How many live events it was offered.</summary>
    public int EventCount
    {
        get
        {
            lock (_lock)
            {
                return _events.Count;
            }
        }
    }

    /// <inheritdoc/>
    IReadOnlyCollection<string> IChannelSubscriber.Topics
    {
        get
        {
            lock (_lock)
            {
                return [.. Topics];
            }
        }
    }

    /// <inheritdoc/>
    public bool Follows(string topic)
    {
        Interlocked.Increment(ref _followsCalls);
        lock (_lock)
        {
            return Topics.Contains(topic);
        }
    }

    /// <summary>Starts following a topic (the channel is to be told through its subscription).</summary>
    public void Follow(string topic)
    {
        lock (_lock)
        {
            Topics.Add(topic);
        }
    }

    /// <summary>Stops following a topic (the channel is to be told through its subscription).</summary>
    public void Unfollow(string topic)
    {
        lock (_lock)
        {
            Topics.Remove(topic);
        }
    }

    /// <summary>Runs inside each <see cref="IChannelSubscriber.OnEvent"/>, after the event is recorded.</summary>
    public Action<ChannelEvent>? During { get; set; }

    /// <summary>What <see cref="IChannelSubscriber.OnStart"/> got.</summary>
    public ChannelStart Start
    {
        get
        {
            lock (_lock)
            {
                return _start ?? throw new InvalidOperationException("OnStart was not called.");
            }
        }
    }

    public int StartCalls
    {
        get
        {
            lock (_lock)
            {
                return _startCalls;
            }
        }
    }

    /// <summary>Events offered before <see cref="IChannelSubscriber.OnStart"/>: should stay 0.</summary>
    public int EventsBeforeStart => Volatile.Read(ref _eventsBeforeStart);

    /// <summary>Calls that ran while another was still running: should stay 0.</summary>
    public int Overlaps => Volatile.Read(ref _overlaps);

    /// <summary>The live events offered, in the order they came.</summary>
    public IReadOnlyList<ChannelEvent> Events
    {
        get
        {
            lock (_lock)
            {
                return [.. _events];
            }
        }
    }

    public IReadOnlyList<string> EventIds => [.. Events.Select(e => e.Id)];

    /// <summary>The ids of the replay followed by those of the live events.</summary>
    public IReadOnlyList<string> ReplayThenLiveIds => [.. Start.Replay.Select(e => e.Id), .. EventIds];

    /// <summary>Completes once at least this many live events have come (fails after a generous while).</summary>
    public Task WaitForEventsAsync(int count)
    {
        TaskCompletionSource done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lock)
        {
            if (_events.Count >= count)
            {
                return Task.CompletedTask;
            }

            _waiters.Add((count, done));
        }

        return done.Task.WaitAsync(Patience);
    }

    /// <summary>Completes once the replay and the live events together number at least this many.</summary>
    public Task WaitForReplayAndLiveAsync(int count) => WaitForEventsAsync(count - Start.Replay.Count);

    public void OnStart(ChannelStart start)
    {
        lock (_lock)
        {
            _startCalls++;
            _start = start;
        }
    }

    public bool OnEvent(ChannelEvent channelEvent)
    {
        if (Interlocked.Increment(ref _inside) > 1)
        {
            Interlocked.Increment(ref _overlaps);
        }

        try
        {
            List<TaskCompletionSource>? due = null;
            lock (_lock)
            {
                if (_start is null)
                {
                    _eventsBeforeStart++;
                }

                _events.Add(channelEvent);
                for (int i = _waiters.Count - 1; i >= 0; i--)
                {
                    if (_events.Count >= _waiters[i].Count)
                    {
                        (due ??= []).Add(_waiters[i].Done);
                        _waiters.RemoveAt(i);
                    }
                }
            }

            due?.ForEach(d => d.TrySetResult());
            During?.Invoke(channelEvent);
            return !_refuse;
        }
        finally
        {
            Interlocked.Decrement(ref _inside);
        }
    }
}
