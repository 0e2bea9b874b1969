using System.Collections.Concurrent;
using SsePluginHost.Streaming;

namespace SsePluginHost.Mounts;

/// <summary>
/// A mount's sessions by id, and how many have not yet been seen off (their plugin told they
/// left), so that retiring the mount can wait for the last of them.
/// </summary>
internal sealed class SessionRegistry
{
    private readonly ConcurrentDictionary<string, SseSession> _sessions = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _live;
    private volatile bool _retiring;

    /// <summary>Open sessions now.</summary>
    public int Count => _sessions.Count;

    /// <summary>The sessions; walks the live dictionary (no snapshot): one added or removed meanwhile may or may not be seen.</summary>
    public IEnumerable<SseSession> All => _sessions.Select(static pair => pair.Value);

    /// <summary>A snapshot of the sessions.</summary>
    public SseSession[] Snapshot() => [.. _sessions.Values];

    /// <summary>Registers a new session: findable from now on, and counted until it is seen off.</summary>
    public void Add(SseSession session)
    {
        Interlocked.Increment(ref _live);
        _sessions[session.SessionId] = session;
    }

    public SseSession? Find(string sessionId) => _sessions.TryGetValue(sessionId, out SseSession? session) ? session : null;

    /// <summary>Takes an ended session out (it is no longer found), if it is still the one under its id.</summary>
    public void Remove(SseSession session) => _sessions.TryRemove(new KeyValuePair<string, SseSession>(session.SessionId, session));

    /// <summary>A session's end has been seen off (its plugin was told).</summary>
    public void SeenOff()
    {
        if (Interlocked.Decrement(ref _live) == 0 && _retiring)
        {
            _drained.TrySetResult();
        }
    }

    /// <summary>Completes once every session registered so far has been seen off (call as the mount retires).</summary>
    public Task WhenAllSeenOffAsync()
    {
        _retiring = true;
        if (Volatile.Read(ref _live) == 0)
        {
            _drained.TrySetResult();
        }

        return _drained.Task;
    }
}
