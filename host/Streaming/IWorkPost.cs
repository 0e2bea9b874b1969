namespace SsePluginHost.Streaming;

/// <summary>Where the <see cref="WriteScheduler"/> hands its rounds: the thread pool, or a test's own queue.</summary>
internal interface IWorkPost
{
    /// <summary>Runs a work item soon, on some other thread.</summary>
    void Post(IThreadPoolWorkItem item);
}
