namespace SsePluginHost.Tests.Unit;

/// <summary>A writer for the <see cref="Streaming.WriteScheduler"/> that counts its runs and may do something in each.</summary>
internal sealed class CountingWriter(Action<CountingWriter>? onRun = null) : IThreadPoolWorkItem
{
    public int Runs { get; private set; }

    public void Execute()
    {
        Runs++;
        onRun?.Invoke(this);
    }
}
