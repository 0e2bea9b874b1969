using Microsoft.AspNetCore.Connections;

namespace SsePluginHost.Connections;

/// <summary>
/// The fast lane as Kestrel connection middleware (where Kestrel limits how many connections it
/// holds, see <see cref="FastLaneEndpoints"/>): a connection that is not the lane's goes on to
/// ASP.NET Core.
/// </summary>
internal sealed class DirectStreamMiddleware(ConnectionDelegate next, DirectStreamLane lane)
{
    public async Task OnConnectionAsync(ConnectionContext connection)
    {
        if (!await lane.TryServeAsync(connection).ConfigureAwait(false))
        {
            await next(connection).ConfigureAwait(false);
        }
    }
}
