namespace SsePluginHost.Configuration;

/// <summary>Per-stream and per-request limits (<c>SseHost:Streams</c>).</summary>
public sealed class StreamOptions
{
    /// <summary>Events a client may have queued before it is dropped as a slow consumer.</summary>
    public int QueueCapacity { get; set; } = 1024;

    /// <summary>Bytes a client may have queued before it is dropped as a slow consumer.</summary>
    public int QueueBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>
    /// How long a writer waits, after an event arrives for its client, for more to join it in one
    /// write; 0 writes each event at once. A few milliseconds cut the system calls and CPU per
    /// event at high rates (5 by default, measured in BENCHMARKS.md) for at most that much latency.
    /// </summary>
    public double CoalesceMilliseconds { get; set; } = 5;

    /// <summary>
    /// For a client written to less than this many milliseconds ago: how long after that write
    /// the next one waits, so that a client receiving events all the time gets them in fewer,
    /// larger writes (less CPU per event) while a client that receives now and then still gets
    /// each at the next beat. 20 by default (measured in BENCHMARKS.md); no more than
    /// <see cref="CoalesceMilliseconds"/> turns it off. Applies to direct streams.
    /// </summary>
    public double BusyCoalesceMilliseconds { get; set; } = 20;

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
