using System.Collections.Concurrent;
using System.Net;

namespace SsePluginHost.Connections;

/// <summary>
/// Where the fast lane sits. Where Kestrel does not limit how many connections it holds, in the
/// transport (<see cref="FastLaneTransportFactory"/>): the streams it serves never become
/// Kestrel's connections, so Kestrel neither holds nor walks them. Where it does, as connection
/// middleware (<see cref="DirectStreamMiddleware"/>), so that every connection counts against
/// that limit. Either way an endpoint without HTTP/1.1 is left alone: such endpoints are noted
/// as Kestrel builds their connection pipelines, just before it binds them.
/// </summary>
internal sealed class FastLaneEndpoints
{
    private readonly ConcurrentDictionary<string, byte> _leftAlone = new(StringComparer.Ordinal);

    /// <summary>Whether the fast lane sits in the transport, given Kestrel's limits.</summary>
    public static bool InTransport(Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerLimits limits) => limits.MaxConcurrentConnections is null;

    /// <summary>Notes an endpoint the fast lane leaves alone.</summary>
    public void LeaveAlone(EndPoint endpoint) => _leftAlone[Key(endpoint)] = 0;

    /// <summary>Whether the fast lane leaves the endpoint alone.</summary>
    public bool LeavesAlone(EndPoint endpoint) => _leftAlone.ContainsKey(Key(endpoint));

    /// <summary>
    /// An IP endpoint by its port alone: Kestrel binds <c>localhost</c> as two endpoints (IPv4 and
    /// IPv6 loopback) built from the one it was given.
    /// </summary>
    private static string Key(EndPoint endpoint) => endpoint is IPEndPoint ip ? "port:" + ip.Port : endpoint.ToString() ?? string.Empty;
}
