namespace SsePluginHost.Abstractions;

/// <summary>
/// A service hosted at one mount path (the original framework's <c>Service</c>).
/// </summary>
/// <remarks>
/// <para>
/// The host creates one instance per mount. The simplest public constructor takes one
/// <see cref="SseServiceContext"/> (the mount, its settings, a logger, the host's clock and a
/// token for the instance's life). A constructor may instead take any of these parameters, which
/// the host supplies: <see cref="ISseMount"/> (the mount, to find, send to, broadcast to and drop
/// clients), <c>Microsoft.Extensions.Configuration.IConfiguration</c> (the mount's
/// <c>Settings</c> section), <c>Microsoft.Extensions.Logging.ILogger</c>,
/// <c>ILogger&lt;T&gt;</c>, <c>ILoggerFactory</c>, <see cref="TimeProvider"/>,
/// <see cref="SseServiceContext"/> or <see cref="IServiceProvider"/> (which serves these, for the
/// life of the instance).
/// </para>
/// <para>
/// Once constructed, the instance is started with <see cref="StartAsync"/> before it serves, and
/// stopped with <see cref="StopAsync"/> before it is disposed.
/// </para>
/// <para>
/// The threading model a plugin can rely on:
/// </para>
/// <list type="bullet">
/// <item><description>The constructor and then <see cref="StartAsync"/> run on a thread of their
/// own, never under a host lock. The host waits for them only a short while
/// (<c>SseHost:Plugins:StartWaitSeconds</c>) and serves its other mounts meanwhile; until
/// <see cref="StartAsync"/> completes, this mount answers 503. One that throws fails the mount
/// (503, with why, and one log line).</description></item>
/// <item><description><see cref="OnClientConnected"/> and <see cref="OnClientDisconnected"/> of one
/// mount are called one at a time, never overlapping each other, in the order things happened,
/// on a thread-pool thread: never on the thread of the request, never while the host holds a
/// lock. So a plugin may broadcast, send or drop from them. For one client,
/// <see cref="OnClientConnected"/> comes before <see cref="OnClientDisconnected"/>, each once.
/// The client's stream is already open when <see cref="OnClientConnected"/> runs: what it sends
/// the client arrives after the <c>session-id</c> event.</description></item>
/// <item><description><see cref="HandleRequestAsync"/> is called on the request's thread and may
/// run concurrently with itself and with the callbacks above.</description></item>
/// <item><description>A callback that blocks holds up only this mount's later callbacks (its
/// clients' streams keep flowing, other mounts are not affected); one that runs longer than
/// <c>SseHost:Plugins:WatchdogSeconds</c> is reported in the host's log. A callback that throws
/// costs only that request (500) or that client (dropped).</description></item>
/// <item><description>When its mount is removed or replaced (new settings, a new build) or the
/// host stops: <see cref="SseServiceContext.Stopping"/> is signalled, its clients' streams end,
/// and after its last callback, in the same order, <see cref="StopAsync"/> is called and then,
/// for an instance that implements <see cref="IAsyncDisposable"/> or <see cref="IDisposable"/>,
/// its disposal.</description></item>
/// </list>
/// </remarks>
public interface ISseService
{
    /// <summary>
    /// Called for every request to the mount (the original's <c>parse</c>). Return
    /// <see cref="SseResponse.OpenStream(object?)"/> to open an event stream for an EventSource
    /// request, or any other <see cref="SseResponse"/> to answer the request directly.
    /// </summary>
    /// <param name="request">The request, detached from the web server.</param>
    /// <param name="cancellationToken">Signalled when the caller goes away.</param>
    /// <returns>What the host should do with the request.</returns>
    ValueTask<SseResponse> HandleRequestAsync(SseRequest request, CancellationToken cancellationToken);

    /// <summary>
    /// Called once a stream is open and its <c>session-id</c> event has been queued, on the
    /// mount's callback order (see the remarks on <see cref="ISseService"/>).
    /// </summary>
    /// <param name="client">The new client.</param>
    void OnClientConnected(ISseClient client);

    /// <summary>
    /// Called once when a client leaves (the original's <c>stop(reason)</c>): when it is dropped,
    /// too slow, or the host stops, at once; when its connection closes, once the mount's
    /// <c>SessionGraceSeconds</c> have passed without it resuming the session.
    /// </summary>
    /// <param name="client">The client that left; sending to it does nothing.</param>
    /// <param name="reason">Why it left.</param>
    void OnClientDisconnected(ISseClient client, SseDisconnectReason reason);

    /// <summary>
    /// Called once, after the constructor and before the mount serves: for work that is
    /// asynchronous (loading state, connecting to something). The mount answers 503 until it
    /// completes; one that throws fails the mount. The default does nothing.
    /// </summary>
    /// <param name="cancellationToken">Signalled when the instance is stopped before it started.</param>
    /// <returns>A task that completes once the service may serve.</returns>
    ValueTask StartAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;

    /// <summary>
    /// Called once when the instance is stopped (its mount removed or replaced, or the host
    /// stopping), after its clients' streams have ended and its last callback, before its
    /// disposal; on the mount's callback order. The host waits for it and the disposal 5 s in
    /// all, then goes on without them. The default does nothing.
    /// </summary>
    /// <param name="cancellationToken">Signalled when the host stops waiting.</param>
    /// <returns>A task that completes once the service has stopped.</returns>
    ValueTask StopAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;
}
