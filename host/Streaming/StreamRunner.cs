using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using SsePluginHost.Abstractions;
using SsePluginHost.Configuration;
using SsePluginHost.Mounts;

namespace SsePluginHost.Streaming;

/// <summary>
/// Runs one event stream from open to close: headers flushed at once, the <c>session-id</c>
/// event, the plugin's connect callback, the writer, and the plugin's disconnect callback.
/// </summary>
internal sealed partial class StreamRunner
{
    private readonly MountTable _table;
    private readonly IOptions<SseHostOptions> _options;
    private readonly ILogger<StreamRunner> _logger;

    public StreamRunner(MountTable table, IOptions<SseHostOptions> options, ILogger<StreamRunner> logger)
    {
        _table = table;
        _options = options;
        _logger = logger;
    }

    public async Task RunAsync(HttpContext context, Mount mount, ISseService service, SseRequest request, object? state)
    {
        SseClientConnection client = new(mount, SessionIds.NewId(), request, state, _options.Value.Streams.QueueCapacity);

        HttpResponse response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        await response.StartAsync(context.RequestAborted).ConfigureAwait(false);

        mount.EnterStream();
        try
        {
            await ServeAsync(context, mount, service, client).ConfigureAwait(false);
        }
        finally
        {
            mount.ExitStream();
        }
    }

    private async Task ServeAsync(HttpContext context, Mount mount, ISseService service, SseClientConnection client)
    {
        SseRequest request = client.Request;
        client.Enqueue(SseFramer.Frame("session-id", client.SessionId));
        mount.Add(client);
        if (_table.IsShuttingDown || mount.IsRetired)
        {
            client.Close(SseDisconnectReason.Shutdown);
        }

        LogConnected(_logger, mount.Path, client.SessionId, request.RemoteAddress);
        try
        {
            service.OnClientConnected(client);
        }
#pragma warning disable CA1031 // A plugin's fault costs that client only.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogConnectFailed(_logger, ex, mount.Path, client.SessionId);
            client.Close(SseDisconnectReason.Error);
        }

        await client.RunWriterAsync(context.Response.BodyWriter, context.RequestAborted).ConfigureAwait(false);
        LogDisconnected(_logger, mount.Path, client.SessionId, client.Reason);
        try
        {
            service.OnClientDisconnected(client, client.Reason);
        }
#pragma warning disable CA1031 // A plugin's fault costs that client only.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogDisconnectFailed(_logger, ex, mount.Path, client.SessionId);
        }
    }

    [LoggerMessage(EventId = 20, Level = LogLevel.Debug, Message = "{Path}: session {SessionId} connected from {Remote}")]
    private static partial void LogConnected(ILogger logger, string path, string sessionId, string? remote);

    [LoggerMessage(EventId = 21, Level = LogLevel.Debug, Message = "{Path}: session {SessionId} left ({Reason})")]
    private static partial void LogDisconnected(ILogger logger, string path, string sessionId, SseDisconnectReason reason);

    [LoggerMessage(EventId = 22, Level = LogLevel.Error, Message = "{Path}: the plugin threw while session {SessionId} connected; the client is dropped")]
    private static partial void LogConnectFailed(ILogger logger, Exception exception, string path, string sessionId);

    [LoggerMessage(EventId = 23, Level = LogLevel.Error, Message = "{Path}: the plugin threw while told that session {SessionId} left")]
    private static partial void LogDisconnectFailed(ILogger logger, Exception exception, string path, string sessionId);
}
