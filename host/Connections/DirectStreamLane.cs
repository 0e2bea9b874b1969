using System.Buffers;
using System.IO.Pipelines;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;
using SsePluginHost.Abstractions;
using SsePluginHost.Admission;
using SsePluginHost.Mounts;
using SsePluginHost.Streaming;

namespace SsePluginHost.Connections;

/// <summary>
/// The fast lane: when a connection's first request is a plain
/// HTTP/1.1 <c>GET</c> asking for <c>text/event-stream</c> of a mount whose policies can all be
/// applied here, it asks <see cref="MountAdmission"/> (the same rules as the mount endpoints) and
/// serves the admitted stream straight off the connection, or writes admission's refusal. Such a stream then costs no ASP.NET Core request
/// state (HTTP context, headers collections, request pipeline, per-request timeouts walked every
/// second): less memory and idle CPU per stream, and one less layer per write. Every other
/// connection, untouched, goes on to ASP.NET Core, which serves it as before. It sits in the
/// transport (<see cref="FastLaneListener"/>) or is Kestrel's connection middleware
/// (<see cref="DirectStreamMiddleware"/>): see <see cref="FastLaneEndpoints"/>.
/// </summary>
internal sealed partial class DirectStreamLane
{
    private readonly MountAdmission _admission;
    private readonly MountDispatcher _dispatcher;
    private readonly TimeSpan _idleTimeout;
    private readonly TimeSpan _headTimeout;
    private readonly HeadLimits _limits;
    private readonly ILogger<DirectStreamLane> _logger;

    public DirectStreamLane(KestrelServerLimits limits, MountAdmission admission, MountDispatcher dispatcher, ILogger<DirectStreamLane> logger)
    {
        _idleTimeout = limits.KeepAliveTimeout;
        _headTimeout = limits.RequestHeadersTimeout;
        _limits = HeadLimits.Within(limits);
        _admission = admission;
        _dispatcher = dispatcher;
        _logger = logger;
    }

    /// <summary>
    /// Reads the connection's first request head and serves it here if it is the fast lane's:
    /// true once it was served (or timed out, or the client went away), and the connection is
    /// to be closed; false when it is not, with the bytes read given back unread, for ASP.NET Core.
    /// </summary>
    public async Task<bool> TryServeAsync(ConnectionContext connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        PipeReader input = connection.Transport.Input;
        RequestHead? head = null;
        AdmissionDecision? decision;
        // As Kestrel: a connection may wait up to the keep-alive timeout for its first byte, and
        // then up to the request-headers timeout for the rest of the head. An unfinished head goes
        // to ASP.NET Core only once it would answer it as it stands (the parser holds the rest,
        // even heads that will not be served here), so that the head timeout counts once, from
        // the first byte: handed over unfinished, a head would get a fresh one there.
        using (CancellationTokenSource timeout = new(_idleTimeout))
        {
            bool started = false;
            HeadScan scan = default;
            while (true)
            {
                ReadResult read;
                try
                {
                    read = await input.ReadAsync(timeout.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    if (started)
                    {
                        await AnswerTimeoutAsync(connection).ConfigureAwait(false);
                    }

                    return true;
                }

                ReadOnlySequence<byte> buffer = read.Buffer;
                if (!started && !buffer.IsEmpty)
                {
                    started = true;
                    timeout.CancelAfter(_headTimeout);
                }

                HeadParse parse = read.IsCanceled ? HeadParse.NotEligible : RequestHeadParser.TryParse(buffer, _limits, ref scan, out head);
                if (parse == HeadParse.Incomplete && !read.IsCompleted)
                {
                    input.AdvanceTo(buffer.Start, buffer.End);
                    continue;
                }

                decision = parse == HeadParse.Parsed ? await AdmitAsync(head!, connection.RemoteEndPoint).ConfigureAwait(false) : null;
                if (decision is null)
                {
                    // Not ours: give the bytes back, unread, to ASP.NET Core.
                    input.AdvanceTo(buffer.Start);
                    return false;
                }

                input.AdvanceTo(buffer.GetPosition(head!.Length));
                break;
            }
        }

        // The stream's whole life is awaited here, in this one frame, with nothing else kept: the
        // head and the decision (with its credentials) go once the stream is under way.
        AdmissionHold hold = decision.Hold;
        try
        {
            Task serving = decision.Outcome == AdmissionOutcome.Stream
                ? Serve(connection, head, decision)
                : AdmissionResponses.WriteAsync(new DirectStreamExchange(connection, null), decision, head.Path);
            head = null;
            decision = null;
            await serving.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or ConnectionResetException or OperationCanceledException or System.Net.Sockets.SocketException)
        {
            // The client went away while its answer was being written.
        }
        finally
        {
            hold.Release();
        }

        return true;
    }

    /// <summary>
    /// Admission's decision for a head the fast lane may answer, or null to leave the connection
    /// to ASP.NET Core: a request that does not ask for an event stream, a path no mount serves,
    /// or a mount with a policy that only ASP.NET Core's pipeline applies.
    /// </summary>
    private async ValueTask<AdmissionDecision?> AdmitAsync(RequestHead head, System.Net.EndPoint? remote)
    {
        if (!MountAdmission.AcceptsEventStream(head.Get("Accept"))
            || _admission.Match(head.Path, out string subPath) is not { } mount
            || !_admission.FastLaneServes(mount))
        {
            return null;
        }

        AdmissionDecision decision = await _admission.AdmitAsync(new HeadAdmissionRequest(head, remote), mount, subPath).ConfigureAwait(false);
        return decision.Outcome is AdmissionOutcome.Stream or AdmissionOutcome.RetryLater or AdmissionOutcome.Unavailable or AdmissionOutcome.Refused
            ? decision
            : null;
    }

    /// <summary>A head begun but not finished in time: 408, as Kestrel answers it.</summary>
    private static async Task AnswerTimeoutAsync(ConnectionContext connection)
    {
        try
        {
            connection.Transport.Output.Write("HTTP/1.1 408 Request Timeout\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"u8);
            await connection.Transport.Output.FlushAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or ConnectionResetException or OperationCanceledException or System.Net.Sockets.SocketException)
        {
            // Gone already.
        }
    }

    private Task Serve(ConnectionContext connection, RequestHead head, AdmissionDecision decision)
    {
        Mount mount = decision.Mount!;
        string subPath = decision.SubPath;
        ISseService? service = mount.Service;
        DirectStreamExchange exchange = new(connection, head.GetFirst("Last-Event-ID"));
        AdmissionResponses.AddHeaders(exchange, decision);
        if (service is null)
        {
            // Unloaded since admission (a reload replaced it): as admission would say now.
            return AdmissionResponses.WriteAsync(exchange, AdmissionDecision.Unavailable(mount, subPath), head.Path);
        }

        SseRequest request = DirectRequestReader.Create(head, mount.Path, subPath, connection.RemoteEndPoint, decision.Credentials);
        LogDirect(_logger, mount.Path, connection.ConnectionId);
        return _dispatcher.DispatchAsync(exchange, mount, service, request, slotHeld: true, decision.Credentials);
    }

    [LoggerMessage(EventId = 42, Level = LogLevel.Trace, Message = "{Path}: connection {ConnectionId} served directly")]
    private static partial void LogDirect(ILogger logger, string path, string connectionId);
}
