namespace SsePluginHost.Abstractions;

/// <summary>
/// A service hosted at one mount path (the original framework's <c>Service</c>).
/// </summary>
/// <remarks>
/// <para>
/// The host creates one instance per mount. A public constructor may take any of these
/// parameters, which the host supplies: <see cref="ISseMount"/> (the mount, to find, send to,
/// broadcast to and drop clients), <c>Microsoft.Extensions.Configuration.IConfiguration</c>
/// (the mount's <c>Settings</c> section), <c>Microsoft.Extensions.Logging.ILogger</c>,
/// <c>ILogger&lt;T&gt;</c> or <c>ILoggerFactory</c>.
/// </para>
/// <para>
/// The threading model a plugin can rely on:
/// </para>
/// <list type="bullet">
/// <item><description>The constructor runs on a thread of its own, never under a host lock. The
/// host waits for it only a short while (<c>SseHost:Plugins:StartWaitSeconds</c>) and serves its
/// other mounts meanwhile; until it returns, this mount answers 503.</description></item>
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
/// <item><description>An instance that implements <see cref="IAsyncDisposable"/> or
/// <see cref="IDisposable"/> is disposed when its mount is removed or the host stops, after its
/// last callback, in the same order.</description></item>
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
}
