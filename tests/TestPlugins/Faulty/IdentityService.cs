using System.Security.Claims;
using SsePluginHost.Abstractions;

namespace Faulty;

/// <summary>
/// A test service that shows what a plugin sees of who is calling (<see cref="SseRequest.User"/>)
/// and refuses on its own rules: a stream or request whose user has the claim <c>banned</c> is
/// answered 403 <c>refused by plugin: banned</c>.
/// </summary>
/// <remarks>
/// A new client gets <c>event: user</c> with its user's name (or <c>anonymous</c>); a plain
/// request is answered <c>user NAME</c>. When a client leaves, the others get <c>event: left</c>
/// with <c>"&lt;sessionId&gt; &lt;reason&gt;"</c>.
/// </remarks>
public sealed class IdentityService : SseServiceBase
{
    /// <summary>Creates the service.</summary>
    /// <param name="mount">The mount.</param>
    public IdentityService(ISseMount mount)
        : base(mount)
    {
    }

    /// <inheritdoc/>
    public override ValueTask<SseResponse> HandleRequestAsync(SseRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.User?.FindFirst("banned") is not null)
        {
            return ValueTask.FromResult(SseResponse.Text(403, "refused by plugin: banned"));
        }

        return ValueTask.FromResult(request.AcceptsEventStream
            ? SseResponse.OpenStream(NameOf(request.User))
            : SseResponse.Text(200, "user " + NameOf(request.User)));
    }

    /// <inheritdoc/>
    public override void OnClientConnected(ISseClient client)
    {
        ArgumentNullException.ThrowIfNull(client);
        client.Send("user", client.State as string ?? "anonymous");
    }

    /// <inheritdoc/>
    public override void OnClientDisconnected(ISseClient client, SseDisconnectReason reason)
    {
        ArgumentNullException.ThrowIfNull(client);
        Mount.Broadcast("left", $"{client.SessionId} {reason}");
    }

    private static string NameOf(ClaimsPrincipal? user) => user?.Identity?.Name ?? "anonymous";
}
