using Microsoft.Extensions.Logging;
using SsePluginHost.Abstractions;

namespace Reloadable;

/// <summary>
/// A test service built twice from this one source (Reloadable.Build1 and Reloadable.Build2, both
/// into Reloadable.dll): it greets each new client with <c>event: build</c> and the build it is,
/// and answers a plain request with the same, so that a test can tell which build is serving. It
/// logs, with the build it is, each client that leaves, its <see cref="StopAsync"/> and its
/// disposal; a stream request with <c>hold=1</c> is held (and logged) until the instance's
/// <see cref="SseServiceContext.Stopping"/> is signalled, then opens its stream.
/// </summary>
public sealed class ReloadableService : SseServiceBase, IDisposable
{
    private readonly SseServiceContext _context;

    /// <summary>Creates the service.</summary>
    /// <param name="context">What the host hands it.</param>
    public ReloadableService(SseServiceContext context)
        : base(context)
    {
        _context = context;
    }

    /// <summary>Which build this is: <c>build 1</c> or <c>build 2</c>, with the assembly's version.</summary>
    public static string Build =>
#if BUILD2
        "build 2 " + typeof(ReloadableService).Assembly.GetName().Version;
#else
        "build 1 " + typeof(ReloadableService).Assembly.GetName().Version;
#endif

    /// <inheritdoc/>
    public override async ValueTask<SseResponse> HandleRequestAsync(SseRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!request.AcceptsEventStream)
        {
            return SseResponse.Text(200, Build);
        }

        if (request.GetField("hold") == "1")
        {
            _context.Logger.LogInformation("Reloadable {Build} holds a stream request on {Path} until it is stopping", Build, _context.Mount.Path);
            await Task.Delay(Timeout.Infinite, _context.Stopping).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing | ConfigureAwaitOptions.ForceYielding);
            _context.Logger.LogInformation("Reloadable {Build} opens the held stream on {Path}", Build, _context.Mount.Path);
        }

        return SseResponse.OpenStream();
    }

    /// <inheritdoc/>
    public override void OnClientConnected(ISseClient client)
    {
        ArgumentNullException.ThrowIfNull(client);
        client.Send("build", Build);
    }

    /// <inheritdoc/>
    public override void OnClientDisconnected(ISseClient client, SseDisconnectReason reason)
    {
        ArgumentNullException.ThrowIfNull(client);
        _context.Logger.LogInformation("Reloadable {Build} on {Path}: client {Id} left ({Reason})", Build, _context.Mount.Path, client.SessionId, reason);
    }

    /// <inheritdoc/>
    public override ValueTask StopAsync(CancellationToken cancellationToken)
    {
        _context.Logger.LogInformation("Reloadable {Build} stopping on {Path}: Stopping signalled {Signalled}", Build, _context.Mount.Path, _context.Stopping.IsCancellationRequested);
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc/>
    public void Dispose() => _context.Logger.LogInformation("Reloadable {Build} disposed on {Path}", Build, _context.Mount.Path);
}
