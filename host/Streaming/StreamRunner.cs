using System.Globalization;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using SsePluginHost.Abstractions;
using SsePluginHost.Configuration;
using SsePluginHost.Mounts;

namespace SsePluginHost.Streaming;

/// <summary>
/// Runs one event stream: the limits, a new session or the resumed one, headers flushed at once,
/// the preamble (session-id, retry, replay or reset), the plugin's connect callback, and the
/// writer until the connection or the session ends.
/// </summary>
internal sealed partial class StreamRunner
{
    private readonly MountTable _table;
    private readonly StreamOptions _options;
    private readonly ILogger<StreamRunner> _logger;
    private readonly FlushTicker _ticker;

    public StreamRunner(MountTable table, FlushTicker ticker, IOptions<SseHostOptions> options, ILogger<StreamRunner> logger)
    {
        _ticker = ticker;
        _table = table;
        _options = options.Value.Streams;
        _logger = logger;
    }

    /// <summary>Takes a stream slot against the limits, or answers the client to retry later.</summary>
    /// <returns>Whether a slot was taken; the caller gives it back with <see cref="Mount.ExitStream"/>.</returns>
    public async Task<bool> TryEnterAsync(HttpContext context, Mount mount)
    {
        if (mount.TryEnterStream(_options.MaxStreams))
        {
            return true;
        }

        if (mount.CountRefusal() is > 0 and var refused)
        {
            LogOverLimit(_logger, mount.Path, refused, mount.StreamCount, _table.TotalStreams);
        }

        await RefuseWithRetryAsync(context, mount, "over capacity").ConfigureAwait(false);
        return false;
    }

    /// <summary>Runs a stream; <paramref name="slotHeld"/> says whether the caller already took its slot.</summary>
    public async Task RunAsync(HttpContext context, Mount mount, ISseService service, SseRequest request, object? state, bool slotHeld)
    {
        if (slotHeld)
        {
            await ServeAsync(context, mount, service, request, state).ConfigureAwait(false);
            return;
        }

        if (!await TryEnterAsync(context, mount).ConfigureAwait(false))
        {
            return;
        }

        try
        {
            await ServeAsync(context, mount, service, request, state).ConfigureAwait(false);
        }
        finally
        {
            mount.ExitStream();
        }
    }

    private static string? LastEventId(HttpContext context, SseRequest request)
    {
        string? header = context.Request.Headers["Last-Event-ID"].FirstOrDefault();
        return !string.IsNullOrEmpty(header) ? header : request.Query.GetValueOrDefault("lastEventId");
    }

    private static void StartEventStream(HttpContext context)
    {
        HttpResponse response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
    }

    private async Task ServeAsync(HttpContext context, Mount mount, ISseService service, SseRequest request, object? state)
    {
        // The headers go out first: if the client is already gone, no session is created or
        // taken over, so none is left without a connection or a grace timer.
        StartEventStream(context);
        await context.Response.StartAsync(context.RequestAborted).ConfigureAwait(false);

        string? wanted = request.GetField("session") ?? request.GetHeader("X-Session-Id");
        SseSession? session = wanted is null ? null : mount.FindSession(wanted);
        bool resumed = session is not null && session.IsConnected;
        if (resumed)
        {
            await session!.TakeOverAsync().ConfigureAwait(false);
        }
        else
        {
            session = mount.CreateSession(request, state, _options.QueueCapacity, _options.QueueBytes, _ticker);
        }

        List<ReadOnlyMemory<byte>> preamble = mount.AttachStream(session!, LastEventId(context, request), resumed);
        if (_table.IsShuttingDown || mount.IsRetired)
        {
            session!.Close(SseDisconnectReason.Shutdown);
        }

        if (resumed)
        {
            LogResumed(_logger, mount.Path, session!.SessionId, request.RemoteAddress);
        }
        else
        {
            LogConnected(_logger, mount.Path, session!.SessionId, request.RemoteAddress);
            try
            {
                service.OnClientConnected(session);
            }
#pragma warning disable CA1031 // A plugin's fault costs that client only.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                LogConnectFailed(_logger, ex, mount.Path, session.SessionId);
                session.Close(SseDisconnectReason.Error);
            }
        }

        await session.RunAsync(context.Response.BodyWriter, preamble, context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>
    /// Answers a stream that cannot be served now. An EventSource gives up for good on any status
    /// but 200, so the answer is a 200 stream that carries only a retry delay and ends: the
    /// browser comes back after it.
    /// </summary>
    public static async Task RefuseWithRetryAsync(HttpContext context, Mount mount, string why)
    {
        mount.Metrics.Refused(mount.Path);
        StartEventStream(context);
        int seconds = (int)Math.Ceiling(mount.RefusalRetry.TotalSeconds);
        context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        await context.Response.WriteAsync($": {why}, retry later\n", context.RequestAborted).ConfigureAwait(false);
        await context.Response.BodyWriter.WriteAsync(mount.RefusalRetryFrame, context.RequestAborted).ConfigureAwait(false);
    }

    [LoggerMessage(EventId = 20, Level = LogLevel.Debug, Message = "{Path}: session {SessionId} connected from {Remote}")]
    private static partial void LogConnected(ILogger logger, string path, string sessionId, string? remote);

    [LoggerMessage(EventId = 26, Level = LogLevel.Debug, Message = "{Path}: session {SessionId} resumed from {Remote}")]
    private static partial void LogResumed(ILogger logger, string path, string sessionId, string? remote);

    [LoggerMessage(EventId = 22, Level = LogLevel.Error, Message = "{Path}: the plugin threw while session {SessionId} connected; the client is dropped")]
    private static partial void LogConnectFailed(ILogger logger, Exception exception, string path, string sessionId);

    [LoggerMessage(EventId = 27, Level = LogLevel.Warning, Message = "{Path}: stream refused, over the limit ({MountStreams} on the mount, {HostStreams} on the host); told to retry; {Refused} refused since the last such line")]
    private static partial void LogOverLimit(ILogger logger, string path, long refused, int mountStreams, int hostStreams);
}
