using SsePluginHost.Streaming;

namespace SsePluginHost.Tests.Unit;

/// <summary>A thread pool the test runs by hand: what is posted waits until <see cref="RunAll"/>.</summary>
internal sealed class ManualWorkPost : IWorkPost
{
    private readonly Queue<IThreadPoolWorkItem> _items = new();
    private readonly Lock _lock = new();

    /// <summary>Work items posted and not yet run.</summary>
    public int Pending
    {
        get
        {
            lock (_lock)
            {
                return _items.Count;
            }
        }
    }

    public void Post(IThreadPoolWorkItem item)
    {
        lock (_lock)
        {
            _items.Enqueue(item);
        }
    }

    /// <summary>Runs what is posted, and what that posts, until nothing is left; returns how many ran.</summary>
    public int RunAll()
    {
        int ran = 0;
        while (TryTake(out IThreadPoolWorkItem? item))
        {
            item.Execute();
            ran++;
        }

        return ran;
    }

    /// <summary>Runs only what is posted now (not what that posts); returns how many ran.</summary>
    public int RunPending()
    {
        int now = Pending;
        for (int i = 0; i < now && TryTake(out IThreadPoolWorkItem? item); i++)
        {
            item.Execute();
        }

        return now;
    }

    private bool TryTake([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out IThreadPoolWorkItem? item)
    {
        lock (_lock)
        {
            return _items.TryDequeue(out item);
        }
    }
}
