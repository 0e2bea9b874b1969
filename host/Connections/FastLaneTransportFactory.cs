using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Options;
using SsePluginHost.Diagnostics;

namespace SsePluginHost.Connections;

/// <summary>
/// Kestrel's socket transport with the fast lane in front of it: each accepted connection's
/// first request head is read here, and an event stream the fast lane serves is served on the
/// transport's connection without ever being handed to Kestrel, so that Kestrel neither holds
/// nor walks it (its heartbeat visits every connection it holds once a second, the largest part
/// of an idle host's CPU). Every other connection goes to Kestrel, its bytes unread.
/// </summary>
internal sealed class FastLaneTransportFactory : IConnectionListenerFactory, IConnectionListenerFactorySelector
{
    private readonly SocketTransportFactory _sockets;
    private readonly FastLaneEndpoints _endpoints;
    private readonly KestrelServerLimits _limits;
    private readonly DirectStreamLane _lane;
    private readonly HostMetrics _metrics;
    private readonly ILogger<FastLaneListener> _logger;

    public FastLaneTransportFactory(IOptions<SocketTransportOptions> sockets, IOptions<KestrelServerOptions> kestrel, FastLaneEndpoints endpoints,
        HostMetrics metrics, IServiceProvider services, ILoggerFactory loggers)
    {
        _metrics = metrics;
        _sockets = new SocketTransportFactory(sockets, loggers);
        _endpoints = endpoints;
        _limits = kestrel.Value.Limits;
        _lane = ActivatorUtilities.CreateInstance<DirectStreamLane>(services, kestrel.Value.Limits);
        _logger = loggers.CreateLogger<FastLaneListener>();
    }

    public bool CanBind(EndPoint endpoint) => _sockets.CanBind(endpoint);

    public async ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken = default)
    {
        bool sorts = FastLaneEndpoints.InTransport(_limits) && !_endpoints.LeavesAlone(endpoint);
        IConnectionListener inner = await _sockets.BindAsync(endpoint, cancellationToken).ConfigureAwait(false);
        return sorts ? new FastLaneListener(inner, _lane, _metrics, _logger) : inner;
    }
}
