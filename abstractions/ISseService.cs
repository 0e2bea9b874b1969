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
/// Every method may be called concurrently from several threads. An instance that implements
/// <see cref="IAsyncDisposable"/> or <see cref="IDisposable"/> is disposed when the host stops.
/// </para>
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
    /// Called once a stream is open and its <c>session-id</c> event has been queued.
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
