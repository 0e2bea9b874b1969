using System.Collections.Concurrent;
using System.Net;
using System.Threading.Channels;
using Microsoft.AspNetCore.Connections;
using SsePluginHost.Diagnostics;

namespace SsePluginHost.Connections;

/// <summary>
/// One bound endpoint of <see cref="FastLaneTransportFactory"/>: accepts from the socket
/// transport, lets the fast lane look at each connection's first request, and gives Kestrel
/// (through <see cref="AcceptAsync"/>) only the connections that are not the fast lane's.
/// The streams served here are its own: it closes those still open when it is disposed.
/// </summary>
internal sealed partial class FastLaneListener : IConnectionListener
{
    /// <summary>How long disposing waits for the streams it aborted to end.</summary>
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(5);

    private readonly IConnectionListener _inner;
    private readonly DirectStreamLane _lane;
    private readonly ILogger _logger;
    private readonly HostMetrics _metrics;
    private readonly Channel<ConnectionContext> _forKestrel = Channel.CreateUnbounded<ConnectionContext>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ConcurrentDictionary<ConnectionContext, Task> _served = new();
    private readonly Task _accepting;

    public FastLaneListener(IConnectionListener inner, DirectStreamLane lane, HostMetrics metrics, ILogger logger)
    {
        _metrics = metrics;
        _inner = inner;
        _lane = lane;
        _logger = logger;
        _accepting = Task.Run(AcceptLoopAsync);
    }

    public EndPoint EndPoint => _inner.EndPoint;

    public async ValueTask<ConnectionContext?> AcceptAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            return await _forKestrel.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException ex) when (ex.InnerException is null)
        {
            return null;
        }
    }

    public async ValueTask UnbindAsync(CancellationToken cancellationToken = default)
    {
        await _inner.UnbindAsync(cancellationToken).ConfigureAwait(false);
        await _accepting.ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await _inner.UnbindAsync().ConfigureAwait(false);
        await _accepting.ConfigureAwait(false);
        foreach (ConnectionContext connection in _served.Keys)
        {
            connection.Abort(new ConnectionAbortedException("The server is stopping."));
        }

        await Task.WhenAny(Task.WhenAll(_served.Values), Task.Delay(DrainTimeout)).ConfigureAwait(false);
        while (_forKestrel.Reader.TryRead(out ConnectionContext? left))
        {
            await left.DisposeAsync().ConfigureAwait(false);
        }

        await _inner.DisposeAsync().ConfigureAwait(false);
    }

    private async Task AcceptLoopAsync()
    {
        Exception? failure = null;
        try
        {
            while (await _inner.AcceptAsync().ConfigureAwait(false) is { } connection)
            {
                // On the thread pool, as Kestrel starts each connection: whatever of its first
                // request is read and admitted before its first wait does not hold up accepting.
                ThreadPool.UnsafeQueueUserWorkItem(static state => _ = state.Listener.SortAsync(state.Connection), (Listener: this, Connection: connection), preferLocal: false);
            }
        }
#pragma warning disable CA1031 // Handed to Kestrel's accept loop, which reports it.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            failure = ex;
        }

        _forKestrel.Writer.TryComplete(failure);
    }

    /// <summary>Serves the connection on the fast lane, or hands it to Kestrel.</summary>
    private async Task SortAsync(ConnectionContext connection)
    {
        TaskCompletionSource done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        _served[connection] = done.Task;
        _metrics.LaneConnectionOpened();
        bool ours = true;
        try
        {
            ours = await _lane.TryServeAsync(connection).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // One connection's failure must not end the others.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogFailed(_logger, connection.ConnectionId, ex);
        }
        finally
        {
            _served.TryRemove(connection, out _);
            done.TrySetResult();
        }

        if (ours || !_forKestrel.Writer.TryWrite(connection))
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }

        _metrics.LaneConnectionClosed();
    }

    [LoggerMessage(EventId = 43, Level = LogLevel.Warning, Message = "Connection {ConnectionId} failed on the fast lane")]
    private static partial void LogFailed(ILogger logger, string connectionId, Exception exception);
}
