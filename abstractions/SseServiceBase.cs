namespace SsePluginHost.Abstractions;

/// <summary>
/// An optional base class for services: it opens a stream for every EventSource request,
/// answers other requests with 404, and does nothing when clients come and go.
/// </summary>
public abstract class SseServiceBase : ISseService
{
    /// <summary>Creates the service for a mount.</summary>
    /// <param name="mount">The mount, supplied by the host.</param>
    protected SseServiceBase(ISseMount mount)
    {
        ArgumentNullException.ThrowIfNull(mount);
        Mount = mount;
    }

    /// <summary>The mount this service is hosted at.</summary>
    protected ISseMount Mount { get; }

    /// <inheritdoc/>
    public virtual ValueTask<SseResponse> HandleRequestAsync(SseRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        return ValueTask.FromResult(request.AcceptsEventStream
            ? SseResponse.OpenStream()
            : SseResponse.NotFound($"{Mount.Path} serves event streams only (send Accept: text/event-stream)."));
    }

    /// <inheritdoc/>
    public virtual void OnClientConnected(ISseClient client)
    {
    }

    /// <inheritdoc/>
    public virtual void OnClientDisconnected(ISseClient client, SseDisconnectReason reason)
    {
    }
}
