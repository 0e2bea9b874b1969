using System.Collections.Concurrent;

namespace SsePluginHost.Plugins;

/// <summary>
/// Runs one mount's plugin callbacks (<c>OnClientConnected</c>, <c>OnClientDisconnected</c>,
/// disposal) one at a time, in the order they were posted, on the thread pool: never on the
/// thread that posted them and never under a host lock. A callback that throws costs only
/// itself; one that runs long holds up only this mount's later callbacks, and the
/// <see cref="PluginWatchdog"/> reports it.
/// </summary>
internal sealed class PluginCallbackQueue : IThreadPoolWorkItem
{
    private readonly ConcurrentQueue<PluginCallback> _pending = new();
    private readonly TimeProvider _time;
    private readonly PluginActivity? _activity;
    private PluginCallback? _current;
    private long _currentSince;
    private int _running;

    public PluginCallbackQueue(TimeProvider time, PluginActivity? activity = null)
    {
        _time = time;
        _activity = activity;
    }

    /// <summary>Callbacks waiting their turn.</summary>
    public int Pending => _pending.Count;

    /// <summary>The callback running now and for how long, or <see langword="null"/>.</summary>
    public (PluginCallback Callback, TimeSpan RunningFor)? Current
    {
        get
        {
            PluginCallback? current = Volatile.Read(ref _current);
            long since = Volatile.Read(ref _currentSince);
            return current is null ? null : (current, _time.GetElapsedTime(since));
        }
    }

    /// <summary>Queues a callback; it runs after every one posted before it.</summary>
    public void Post(PluginCallback callback)
    {
        _pending.Enqueue(callback);
        if (Interlocked.CompareExchange(ref _running, 1, 0) == 0)
        {
            _activity?.Started();
            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
        }
    }

    /// <summary>Completes once every callback posted so far has run.</summary>
    public Task WhenIdleAsync()
    {
        TaskCompletionSource done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        Post(new PluginCallback("(drain)", done.SetResult, _ => { }));
        return done.Task;
    }

    /// <summary>Runs what is queued, then stops; posting again starts it again.</summary>
    public void Execute()
    {
        while (true)
        {
            while (_pending.TryDequeue(out PluginCallback? callback))
            {
                Volatile.Write(ref _currentSince, _time.GetTimestamp());
                Volatile.Write(ref _current, callback);
                try
                {
                    callback.Run();
                }
#pragma warning disable CA1031 // A plugin's fault costs that callback only.
                catch (Exception ex)
#pragma warning restore CA1031
                {
                    callback.Failed(ex);
                }
                finally
                {
                    Volatile.Write(ref _current, null);
                }
            }

            Volatile.Write(ref _running, 0);
            if (_pending.IsEmpty || Interlocked.CompareExchange(ref _running, 1, 0) != 0)
            {
                return;
            }
        }
    }
}
