using System.Reflection;
using SsePluginHost.Abstractions;

namespace Reloadable;

/// <summary>
/// A test service built twice from this one source (Reloadable.Build1 and Reloadable.Build2, both
/// into Reloadable.dll): it greets each new client with <c>event: build</c> and the build it is,
/// and answers a plain request with the same, so that a test can tell which build is serving.
/// </summary>
public sealed class ReloadableService : SseServiceBase
{
    /// <summary>Creates the service.</summary>
    /// <param name="mount">The mount.</param>
    public ReloadableService(ISseMount mount)
        : base(mount)
    {
    }

    /// <summary>Which build this is: <c>build 1</c> or <c>build 2</c>, with the assembly's version.</summary>
    public static string Build =>
#if BUILD2
        "build 2 " + typeof(ReloadableService).Assembly.GetName().Version;
#else
        "build 1 " + typeof(ReloadableService).Assembly.GetName().Version;
#endif

    /// <inheritdoc/>
    public override ValueTask<SseResponse> HandleRequestAsync(SseRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        return ValueTask.FromResult(request.AcceptsEventStream ? SseResponse.OpenStream() : SseResponse.Text(200, Build));
    }

    /// <inheritdoc/>
    public override void OnClientConnected(ISseClient client)
    {
        ArgumentNullException.ThrowIfNull(client);
        client.Send("build", Build);
    }
}
