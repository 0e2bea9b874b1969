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

    /// <summary>Creates the service from what the host hands it.</summary>
    /// <param name="context">The mount, settings, logger, clock and life token, supplied by the host.</param>
    protected SseServiceBase(SseServiceContext context)
        : this((context ?? throw new ArgumentNullException(nameof(context))).Mount)
    {
        Context = context;
    }

    /// <summary>The mount this service is hosted at.</summary>
    protected ISseMount Mount { get; }

    /// <summary>What the host handed the service, when it was created with <see cref="SseServiceBase(SseServiceContext)"/>; otherwise <see langword="null"/>.</summary>
    protected SseServiceContext? Context { get; }

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

    /// <inheritdoc/>
    /// <remarks>Override it here: a method of the same name in a derived class does not replace the interface's own unless it overrides this one.</remarks>
    public virtual ValueTask StartAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;

    /// <inheritdoc/>
    public virtual ValueTask StopAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;
}
