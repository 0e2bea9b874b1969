namespace SsePluginHost.Streaming;

/// <summary>Counts the streams being written now, to enforce the host's limit.</summary>
internal sealed class StreamCounter
{
    private int _count;

    public int Count => Volatile.Read(ref _count);

    public int Increment() => Interlocked.Increment(ref _count);

    public void Decrement() => Interlocked.Decrement(ref _count);
}
