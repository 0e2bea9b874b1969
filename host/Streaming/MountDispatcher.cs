using SsePluginHost.Abstractions;
using SsePluginHost.Auth;
using SsePluginHost.Cluster;
using SsePluginHost.Mounts;

namespace SsePluginHost.Streaming;

/// <summary>
/// Gives a request to its mount's plugin (the original's <c>parse</c>) and carries out the
/// answer: a stream, or a status with a body. Shared by both ways a request arrives.
/// </summary>
internal sealed partial class MountDispatcher
{
    private readonly StreamRunner _streams;
    private readonly ILogger<MountDispatcher> _logger;
    private readonly IClusterSessions _cluster;
    private readonly Plugins.ThreadPoolCompensation _compensation;

    public MountDispatcher(StreamRunner streams, ILogger<MountDispatcher> logger, IClusterSessions? cluster = null,
        Plugins.ThreadPoolCompensation? compensation = null)
    {
        _compensation = compensation ?? new Plugins.ThreadPoolCompensation();
        _cluster = cluster ?? new NoClusterSessions();
        _streams = streams;
        _logger = logger;
    }

    /// <summary>
    /// Asks the plugin and answers; <paramref name="slotHeld"/> says whether a stream slot is
    /// already taken, <paramref name="credentials"/> who admission found the request is from.
    /// </summary>
    /// <remarks>
    /// A plugin that answers at once (the usual case) leaves no state of this method behind for
    /// the life of the stream: the stream's own task is returned.
    /// </remarks>
    public Task DispatchAsync(IStreamExchange exchange, Mount mount, ISseService service, SseRequest request, bool slotHeld, Credentials? credentials = null)
    {
        if (_cluster.Enabled && !request.AcceptsEventStream && NamedSession(request) is { } sessionId && mount.FindSession(sessionId) is null)
        {
            return DispatchForSessionElsewhereAsync(exchange, mount, service, request, slotHeld, sessionId, credentials);
        }

        return AskPlugin(exchange, mount, service, request, slotHeld, credentials);
    }

    /// <summary>The session a request names, by the convention <see cref="Mount.FindClient(SseRequest)"/> follows.</summary>
    private static string? NamedSession(SseRequest request) =>
        (request.GetField("session") ?? request.GetHeader("X-Session-Id")) is { Length: > 0 } id ? id : null;

    /// <summary>
    /// A request for a session another host has (behind a load balancer that spreads requests):
    /// that host's plugin answers it, since it has the session and its state; when no host has
    /// the session, this host's plugin answers as it would (typically: unknown session).
    /// </summary>
    private async Task DispatchForSessionElsewhereAsync(IStreamExchange exchange, Mount mount, ISseService service, SseRequest request, bool slotHeld, string sessionId,
        Credentials? credentials)
    {
        RemoteSession? remote = await _cluster.LocateAsync(sessionId, exchange.Aborted).ConfigureAwait(false);
        if (remote is not { NodeAlive: true } || !string.Equals(remote.MountPath, mount.Path, StringComparison.Ordinal))
        {
            await AskPlugin(exchange, mount, service, request, slotHeld, credentials).ConfigureAwait(false);
            return;
        }

        ForwardedResponse? answer = await _cluster.ForwardAsync(remote, ForwardedRequest.From(request), exchange.Aborted).ConfigureAwait(false);
        if (answer is null)
        {
            LogForwardUnanswered(_logger, mount.Path, sessionId, remote.NodeId);
            await exchange.WriteTextAsync(StatusCodes.Status503ServiceUnavailable, "text/plain; charset=utf-8",
                $"The host that has session '{sessionId}' did not answer in time; try again.\n", retryAfterSeconds: 1).ConfigureAwait(false);
            return;
        }

        await WriteAnswerAsync(exchange, mount, answer.StatusCode, answer.ContentType, answer.Body, answer.Headers, answer.RetryAfterSeconds).ConfigureAwait(false);
    }

    /// <remarks>
    /// At most the mount's <c>MaxConcurrentRequests</c> calls are in the plugin at once: past
    /// that, a plugin that blocks its threads would take the host's thread pool with it, so the
    /// request is answered at once instead (an EventSource told to retry later, anything else 503).
    /// </remarks>
    private Task AskPlugin(IStreamExchange exchange, Mount mount, ISseService service, SseRequest request, bool slotHeld, Credentials? credentials)
    {
        if (!mount.TryEnterRequest())
        {
            if (mount.CountBusyRefusal() is > 0 and var refused)
            {
                LogBusy(_logger, mount.Path, mount.Definition.Delivery.MaxConcurrentRequests, refused, mount.Runtime.PluginName);
            }

            return request.AcceptsEventStream
                ? exchange.RefuseWithRetryAsync(mount, "the service is busy")
                : exchange.WriteTextAsync(StatusCodes.Status503ServiceUnavailable, "text/plain; charset=utf-8",
                    $"The service at {mount.Path} is busy ({mount.Definition.Delivery.MaxConcurrentRequests} requests in hand); try again shortly.\n", 1);
        }

        ValueTask<SseResponse> asking;
        _compensation.Enter();
        try
        {
            asking = service.HandleRequestAsync(request, exchange.Aborted);
        }
#pragma warning disable CA1031 // A plugin's fault costs that request only.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            mount.ExitRequest();
            return FailAsync(exchange, mount, request, ex);
        }
        finally
        {
            _compensation.Exit();
        }

        if (!asking.IsCompleted)
        {
            return AwaitAnswerAsync(exchange, mount, service, request, slotHeld, asking, credentials);
        }

        mount.ExitRequest();
        return asking.IsCompletedSuccessfully
            ? CarryOutAsync(exchange, mount, service, request, slotHeld, asking.Result, credentials)
            : AwaitAnswerAsync(exchange, mount, service, request, slotHeld, asking, credentials, inPlugin: false);
    }

    private async Task AwaitAnswerAsync(IStreamExchange exchange, Mount mount, ISseService service, SseRequest request, bool slotHeld,
        ValueTask<SseResponse> asking, Credentials? credentials, bool inPlugin = true)
    {
        SseResponse answer;
        try
        {
            try
            {
                answer = await asking.ConfigureAwait(false);
            }
            finally
            {
                if (inPlugin)
                {
                    mount.ExitRequest();
                }
            }
        }
        catch (OperationCanceledException) when (exchange.Aborted.IsCancellationRequested)
        {
            return;
        }
#pragma warning disable CA1031 // A plugin's fault costs that request only.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            await FailAsync(exchange, mount, request, ex).ConfigureAwait(false);
            return;
        }

        await CarryOutAsync(exchange, mount, service, request, slotHeld, answer, credentials).ConfigureAwait(false);
    }

    private Task CarryOutAsync(IStreamExchange exchange, Mount mount, ISseService service, SseRequest request, bool slotHeld, SseResponse? answer,
        Credentials? credentials)
    {
        if (answer is null)
        {
            LogNullAnswer(_logger, mount.Path, mount.Runtime.PluginName);
            return WriteErrorAsync(exchange, StatusCodes.Status500InternalServerError, $"The service at {mount.Path} gave no answer.");
        }

        if (answer.IsRetryLater)
        {
            return RetryLaterAsync(exchange, mount, request, answer);
        }

        if (answer.IsStream && HttpMethods.IsHead(request.Method))
        {
            // HEAD gets the stream's headers and nothing else: no session, no plugin callback,
            // and the connection is free for its next request at once.
            PluginHeaders.AddTo(exchange, answer.Headers);
            return exchange.StartEventStreamAsync();
        }

        return answer.IsStream
            ? _streams.RunAsync(exchange, mount, service, request, answer, slotHeld, credentials)
            : WriteAnswerAsync(exchange, mount, answer.StatusCode, answer.ContentType, answer.Body, answer.Headers);
    }

    /// <summary>
    /// The plugin refused the request for now (<see cref="SseResponse.RetryLater()"/>): an
    /// EventSource request is told to retry, as a stream over the mount's limit is (no session,
    /// no plugin callback), any other request gets 503 with <c>Retry-After</c> and the reason.
    /// </summary>
    private Task RetryLaterAsync(IStreamExchange exchange, Mount mount, SseRequest request, SseResponse answer)
    {
        TimeSpan delay = PluginRetryLater.Delay(answer, mount);
        LogRetryLater(_logger, mount.Path, request.AcceptsEventStream, (long)delay.TotalMilliseconds, mount.Runtime.PluginName);
        PluginHeaders.AddTo(exchange, answer.Headers);
        return request.AcceptsEventStream
            ? exchange.RefuseWithRetryAsync(mount, PluginRetryLater.Why(answer), answer.RetryAfter)
            : exchange.WriteTextAsync(StatusCodes.Status503ServiceUnavailable, "text/plain; charset=utf-8", PluginRetryLater.Body(answer, mount),
                PluginRetryLater.Seconds(delay));
    }

    /// <summary>
    /// Writes a plugin's plain answer as HTTP allows it: a final status (200 to 599; anything else
    /// is the plugin's fault: 500 and a log line), and no body after 204 or 304, whatever the
    /// plugin gave (on the direct path a body there would read as a second response), a content
    /// type that is a valid header value (else 500 and a log line: no header injection); with the
    /// header fields the plugin added, unless the answer is the host's 500 instead.
    /// </summary>
    private Task WriteAnswerAsync(IStreamExchange exchange, Mount mount, int statusCode, string contentType, string? body,
        IReadOnlyList<KeyValuePair<string, string>>? headers, int? retryAfterSeconds = null)
    {
        if (statusCode is < 200 or > 599)
        {
            LogInvalidStatus(_logger, mount.Path, statusCode, mount.Runtime.PluginName);
            return WriteErrorAsync(exchange, StatusCodes.Status500InternalServerError, $"The service at {mount.Path} gave an answer with an invalid status.");
        }

        if (body is not null && !HeaderValues.IsValid(contentType))
        {
            // Refused before the plugin's own fields go on: the 500 is the host's answer, the same both ways in.
            LogInvalidContentType(_logger, mount.Path, statusCode, mount.Runtime.PluginName);
            return WriteErrorAsync(exchange, StatusCodes.Status500InternalServerError, "The service answered with an invalid content type.");
        }

        PluginHeaders.AddTo(exchange, headers);
        return statusCode is StatusCodes.Status204NoContent or StatusCodes.Status304NotModified
            ? exchange.WriteTextAsync(statusCode, contentType, null, retryAfterSeconds)
            : exchange.WriteTextAsync(statusCode, contentType, body, retryAfterSeconds);
    }

    private Task FailAsync(IStreamExchange exchange, Mount mount, SseRequest request, Exception ex)
    {
        LogRequestFailed(_logger, ex, mount.Path, request.Method, mount.Runtime.PluginName);
        return WriteErrorAsync(exchange, StatusCodes.Status500InternalServerError, $"The service at {mount.Path} failed to handle the request.");
    }

    /// <summary>Answers with a one-line plain-text error.</summary>
    public static Task WriteErrorAsync(IStreamExchange exchange, int statusCode, string text) =>
        exchange.WriteTextAsync(statusCode, "text/plain; charset=utf-8", text + "\n");

    [LoggerMessage(EventId = 97, Level = LogLevel.Warning, Message = "{Path}: the plugin has {Limit} requests in hand (MaxConcurrentRequests); {Refused} more answered at once as busy since the last such line (plugin {Plugin})")]
    private static partial void LogBusy(ILogger logger, string path, int limit, long refused, string plugin);

    [LoggerMessage(EventId = 28, Level = LogLevel.Debug, Message = "{Path}: the plugin asked the client to retry later (EventSource request: {EventSource}, retry in {DelayMilliseconds} ms; plugin {Plugin})")]
    private static partial void LogRetryLater(ILogger logger, string path, bool eventSource, long delayMilliseconds, string plugin);

    [LoggerMessage(EventId = 29, Level = LogLevel.Error, Message = "{Path}: the plugin answered {StatusCode} with a content type that is not a valid header value (CR, LF, another control character or non-ASCII); answered 500 (plugin {Plugin})")]
    private static partial void LogInvalidContentType(ILogger logger, string path, int statusCode, string plugin);

    [LoggerMessage(EventId = 94, Level = LogLevel.Error, Message = "{Path}: the plugin answered with status {StatusCode}, which no HTTP response may have; answered 500 (plugin {Plugin})")]
    private static partial void LogInvalidStatus(ILogger logger, string path, int statusCode, string plugin);

    [LoggerMessage(EventId = 93, Level = LogLevel.Warning, Message = "{Path}: the host {Node} that has session {SessionId} did not answer a request for it; answered 503")]
    private static partial void LogForwardUnanswered(ILogger logger, string path, string sessionId, string node);

    [LoggerMessage(EventId = 10, Level = LogLevel.Error, Message = "{Path}: the plugin threw while handling a {Method} request; answered 500 (plugin {Plugin})")]
    private static partial void LogRequestFailed(ILogger logger, Exception exception, string path, string method, string plugin);

    [LoggerMessage(EventId = 11, Level = LogLevel.Error, Message = "{Path}: the plugin returned no answer; answered 500 (plugin {Plugin})")]
    private static partial void LogNullAnswer(ILogger logger, string path, string plugin);
}
