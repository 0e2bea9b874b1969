using System.Diagnostics;

namespace SsePluginHost.Plugins;

/// <summary>
/// Keeps the thread pool's minimum above the threads that plugin code holds: a plugin's request
/// handler runs on a pool thread, and one that blocks it (a synchronous sleep, a blocking API)
/// would otherwise leave the rest of the host waiting for the pool to grow, a thread every half
/// second or so. Once more calls are in plugin code at once than there are cores, the pool may
/// start that many more threads at once; when they have returned, the minimum goes back down.
/// </summary>
/// <remarks>
/// Each mount lets at most its <c>MaxConcurrentRequests</c> calls in at once, so what plugins can
/// hold is bounded. The cost per call is two interlocked operations; the minimum is changed only
/// when the count passes its highest mark, and lowered at most once a second.
/// </remarks>
internal sealed class ThreadPoolCompensation
{
    private static readonly long LowerAfter = Stopwatch.Frequency;

    private readonly Lock _gate = new();
    private readonly int _baseWorkers;
    private readonly int _baseIo;
    private readonly int _threshold = Environment.ProcessorCount;
    private int _held;
    private int _raisedFor;
    private long _changedAt;

    public ThreadPoolCompensation()
    {
        ThreadPool.GetMinThreads(out _baseWorkers, out _baseIo);
    }

    /// <summary>The pool threads plugin code holds now.</summary>
    public int Held => Volatile.Read(ref _held);

    /// <summary>A call into plugin code begins on this pool thread.</summary>
    public void Enter()
    {
        int held = Interlocked.Increment(ref _held);
        if (held > _threshold && held > Volatile.Read(ref _raisedFor))
        {
            Set(held, raise: true);
        }
    }

    /// <summary>The call returned (its synchronous part is over).</summary>
    public void Exit()
    {
        int held = Interlocked.Decrement(ref _held);
        if (held <= _threshold && Volatile.Read(ref _raisedFor) > 0 && Stopwatch.GetTimestamp() - Volatile.Read(ref _changedAt) >= LowerAfter)
        {
            Set(0, raise: false);
        }
    }

    private void Set(int held, bool raise)
    {
        lock (_gate)
        {
            if (raise ? held <= _raisedFor : _raisedFor == 0)
            {
                return;
            }

            _raisedFor = held;
            Volatile.Write(ref _changedAt, Stopwatch.GetTimestamp());
            ThreadPool.SetMinThreads(_baseWorkers + held, _baseIo);
        }
    }
}
