using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;
using SsePluginHost.Abstractions;
using SsePluginHost.Configuration;
using SsePluginHost.Diagnostics;
using SsePluginHost.Mounts;

namespace SsePluginHost.Ingress;

/// <summary>
/// The optional UDP listener: each datagram (see <see cref="UdpDatagram"/>) is broadcast to its
/// mount through the same path as a plugin's own broadcast. Bad datagrams are counted and logged
/// at most every 10 seconds; nothing a sender does stops the listener.
/// </summary>
internal sealed partial class UdpRelay : IHostedService, IDisposable
{
    private readonly UdpOptions _options;
    private readonly MountTable _table;
    private readonly HostMetrics _metrics;
    private readonly ILogger<UdpRelay> _logger;
    private readonly CancellationTokenSource _stop = new();
    private Socket? _socket;
    private Task _loop = Task.CompletedTask;
    private long _accepted;
    private long _refused;
    private readonly LogThrottle _refusedLog;

    public UdpRelay(IOptions<SseHostOptions> options, MountTable table, HostMetrics metrics, TimeProvider time, ILogger<UdpRelay> logger)
    {
        _refusedLog = new LogThrottle(TimeSpan.FromSeconds(10), time);
        _options = options.Value.Publish.Udp;
        _table = table;
        _metrics = metrics;
        _logger = logger;
    }

    /// <summary>The bound address, once listening.</summary>
    public IPEndPoint? LocalEndPoint => _socket?.LocalEndPoint as IPEndPoint;

    /// <summary>Datagrams broadcast so far.</summary>
    public long Accepted => Interlocked.Read(ref _accepted);

    /// <summary>Datagrams refused so far (malformed, oversized, unknown mount, bad event).</summary>
    public long Refused => Interlocked.Read(ref _refused);

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (!_options.Enabled)
        {
            return Task.CompletedTask;
        }

        IPAddress address = IPAddress.Parse(_options.Address);
        Socket socket = new(address.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(address, _options.Port));
        _socket = socket;
        LogListening(_logger, LocalEndPoint!, _options.MaxDatagramBytes);
        _loop = Task.Run(() => ReceiveLoopAsync(socket, _stop.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _socket?.Dispose();
        await _loop.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public void Dispose()
    {
        _stop.Dispose();
        _socket?.Dispose();
    }

    private async Task ReceiveLoopAsync(Socket socket, CancellationToken cancellationToken)
    {
        byte[] buffer = new byte[65536];
        EndPoint any = new IPEndPoint(socket.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0);
        while (!cancellationToken.IsCancellationRequested)
        {
            SocketReceiveFromResult received;
            try
            {
                received = await socket.ReceiveFromAsync(buffer, SocketFlags.None, any, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            catch (SocketException ex)
            {
                // For instance an ICMP "port unreachable" reported on a later receive: not fatal.
                Refuse("receive failed: " + ex.SocketErrorCode, null, "error");
                continue;
            }

            Handle(buffer.AsSpan(0, received.ReceivedBytes), received.RemoteEndPoint);
        }
    }

    private void Handle(ReadOnlySpan<byte> datagram, EndPoint remote)
    {
        if (datagram.Length > _options.MaxDatagramBytes)
        {
            Refuse($"{datagram.Length} bytes, over the {_options.MaxDatagramBytes}-byte limit", remote, "oversized");
            return;
        }

        if (UdpDatagram.TryParse(datagram, out string? problem) is not { } parsed)
        {
            Refuse(problem!, remote, "malformed");
            return;
        }

        if (MountDefinitionReader.CheckPath(parsed.Path, out string path) is not null || _table.Find(path) is not { } mount)
        {
            Refuse($"nothing is mounted at {parsed.Path}", remote, "unknown_mount");
            return;
        }

        SseEvent sseEvent;
        try
        {
            sseEvent = new SseEvent(parsed.EventType, parsed.Data, parsed.Id);
        }
        catch (ArgumentException ex)
        {
            Refuse(ex.Message, remote, "malformed");
            return;
        }

        mount.Broadcast(sseEvent);
        Interlocked.Increment(ref _accepted);
        _metrics.Datagram("accepted");
    }

    private void Refuse(string why, EndPoint? remote, string result)
    {
        Interlocked.Increment(ref _refused);
        _metrics.Datagram(result);
        if (_refusedLog.Count() is > 0 and var count)
        {
            LogRefused(_logger, count, remote?.ToString() ?? "?", why);
        }
    }

    [LoggerMessage(EventId = 60, Level = LogLevel.Information, Message = "UDP listener on {EndPoint}: one datagram 'PATH EVENT [ID]\\nDATA' is one event, at most {Max} bytes")]
    private static partial void LogListening(ILogger logger, IPEndPoint endPoint, int max);

    [LoggerMessage(EventId = 61, Level = LogLevel.Warning, Message = "UDP: {Count} datagrams refused since the last such line; the latest from {Remote}: {Why}")]
    private static partial void LogRefused(ILogger logger, long count, string remote, string why);
}
