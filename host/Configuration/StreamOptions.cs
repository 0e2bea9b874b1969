namespace SsePluginHost.Configuration;

/// <summary>Per-stream and per-request limits (<c>SseHost:Streams</c>).</summary>
public sealed class StreamOptions
{
    /// <summary>Events a client may have queued before it is dropped as a slow consumer.</summary>
    public int QueueCapacity { get; set; } = 1024;

    /// <summary>Bytes a client may have queued before it is dropped as a slow consumer.</summary>
    public int QueueBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>
    /// The most milliseconds a client's events may wait for others to join them in one write.
    /// Events go out at once while the host keeps up; only while writes back up (writers are
    /// waiting as a round of writes ends) and carry several events each does the next round wait,
    /// 1 ms at first and doubling while the pressure lasts, up to this bound (see
    /// <see cref="Streaming.WriteScheduler"/>). Fewer, larger writes then cut the system calls and
    /// CPU per event.
    /// 20 by default (measured in BENCHMARKS.md); 0 never waits (writes still batch what arrives
    /// while a client's earlier write is under way).
    /// </summary>
    public double MaxCoalesceMilliseconds { get; set; } = 20;

    /// <summary>
    /// Serve an event stream straight off its connection when the connection's first request is
    /// a plain HTTP/1.1 GET of a mount asking for <c>text/event-stream</c> (what an EventSource
    /// sends): the stream then carries none of ASP.NET Core's per-request state, which costs
    /// memory and CPU per stream (measured in BENCHMARKS.md). Other requests, and every request
    /// when this is false, go through ASP.NET Core. The plugin sees no difference. True by default.
    /// </summary>
    public bool DirectStreams { get; set; } = true;

    /// <summary>The most streams the host serves at once, over all mounts; 0 for no limit.</summary>
    public int MaxStreams { get; set; }

    /// <summary>The largest request body a mount accepts, in bytes; a larger one gets 413.</summary>
    public int MaxRequestBodyBytes { get; set; } = 64 * 1024;
}
