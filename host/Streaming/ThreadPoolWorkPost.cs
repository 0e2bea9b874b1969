namespace SsePluginHost.Streaming;

/// <summary>Posts work items to the thread pool's global queue.</summary>
internal sealed class ThreadPoolWorkPost : IWorkPost
{
    public void Post(IThreadPoolWorkItem item) => ThreadPool.UnsafeQueueUserWorkItem(item, preferLocal: false);
}
