using Microsoft.Extensions.Options;
using SsePluginHost.Abstractions;
using SsePluginHost.Admission;
using SsePluginHost.Auth;
using SsePluginHost.Cluster;
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
    private readonly MountAdmission _admission;
    private readonly StreamOptions _options;
    private readonly ILogger<StreamRunner> _logger;
    private readonly WriteScheduler _scheduler;
    private readonly IClusterSessions _cluster;

    public StreamRunner(MountTable table, MountAdmission admission, WriteScheduler scheduler, IOptions<SseHostOptions> options, ILogger<StreamRunner> logger,
        IClusterSessions? cluster = null)
    {
        _cluster = cluster ?? new NoClusterSessions();
        _admission = admission;
        _scheduler = scheduler;
        _table = table;
        _options = options.Value.Streams;
        _logger = logger;
    }

    /// <summary>Takes a stream slot against the limits (admission's rule), or answers the client to retry later.</summary>
    /// <returns>Whether a slot was taken; the caller gives it back with <see cref="Mount.ExitStream"/>.</returns>
    private async Task<bool> TryEnterAsync(IStreamExchange exchange, Mount mount)
    {
        if (_admission.TryTakeSlot(mount))
        {
            return true;
        }

        await exchange.RefuseWithRetryAsync(mount, "over capacity").ConfigureAwait(false);
        return false;
    }

    /// <summary>
    /// Runs the stream a plugin opened (<paramref name="opening"/>, with its client's state, its
    /// topics and its header fields); <paramref name="slotHeld"/> says whether the caller already took its slot.
    /// </summary>
    /// <remarks>
    /// With <paramref name="credentials"/> that expire, the stream ends then (<c>auth-expired</c>
    /// first); with a ticket, the stream resumes the ticket's session, or ties the ticket to the
    /// session it opens. A stream refused here, over the limits, is the host's answer: it does
    /// not carry the plugin's header fields.
    /// </remarks>
    public Task RunAsync(IStreamExchange exchange, Mount mount, ISseService service, SseRequest request, SseResponse opening, bool slotHeld,
        Credentials? credentials = null) =>
        slotHeld ? ServeAsync(exchange, mount, service, request, opening, credentials) : RunInSlotAsync(exchange, mount, service, request, opening, credentials);

    private async Task RunInSlotAsync(IStreamExchange exchange, Mount mount, ISseService service, SseRequest request, SseResponse opening, Credentials? credentials)
    {
        if (!await TryEnterAsync(exchange, mount).ConfigureAwait(false))
        {
            return;
        }

        try
        {
            await ServeAsync(exchange, mount, service, request, opening, credentials).ConfigureAwait(false);
        }
        finally
        {
            mount.ExitStream();
        }
    }

    private static string? LastEventId(IStreamExchange exchange, SseRequest request)
    {
        string? header = exchange.LastEventIdHeader;
        return !string.IsNullOrEmpty(header) ? header : request.Query.GetValueOrDefault("lastEventId");
    }

    /// <remarks>
    /// Written so that, in the usual case (the headers sent at once, a new session), nothing of
    /// this method stays alive for the life of the stream: the session's own task is returned.
    /// </remarks>
    private Task ServeAsync(IStreamExchange exchange, Mount mount, ISseService service, SseRequest request, SseResponse opening, Credentials? credentials)
    {
        // The headers go out first: if the client is already gone, no session is created or
        // taken over, so none is left without a connection or a grace timer.
        PluginHeaders.AddTo(exchange, opening.Headers);
        Task started = exchange.StartEventStreamAsync();
        return started.IsCompletedSuccessfully
            ? ServeStarted(exchange, mount, service, request, opening, credentials)
            : ServeOnceStartedAsync(started, exchange, mount, service, request, opening, credentials);
    }

    private async Task ServeOnceStartedAsync(Task started, IStreamExchange exchange, Mount mount, ISseService service, SseRequest request, SseResponse opening,
        Credentials? credentials)
    {
        await started.ConfigureAwait(false);
        await ServeStarted(exchange, mount, service, request, opening, credentials).ConfigureAwait(false);
    }

    private Task ServeStarted(IStreamExchange exchange, Mount mount, ISseService service, SseRequest request, SseResponse opening, Credentials? credentials)
    {
        string? wanted = request.GetField("session") ?? request.GetHeader("X-Session-Id") ?? credentials?.Ticket?.SessionId;
        SseSession? session = wanted is null ? null : mount.FindSession(wanted);
        if (session is not null && session.IsConnected)
        {
            session.FollowAtStart(opening.Topics);
            return ResumeAsync(exchange, mount, service, request, session, credentials);
        }

        if (wanted is not null && session is null && _cluster.Enabled)
        {
            return ServeFromClusterAsync(exchange, mount, service, request, opening, wanted, credentials);
        }

        session = mount.CreateSession(request, opening.State, _options.QueueCapacity, _options.QueueBytes, _scheduler);
        session.FollowAtStart(opening.Topics);
        return Attach(exchange, mount, service, request, session, resumed: false, credentials);
    }

    /// <summary>
    /// A client asks for a session this host does not have: another host may (its stream was
    /// there, or that host died). The session is taken over with its id, and the events sent to
    /// it alone that it has not had follow its replay; otherwise it gets a new session.
    /// </summary>
    private async Task ServeFromClusterAsync(IStreamExchange exchange, Mount mount, ISseService service, SseRequest request, SseResponse opening, string wanted,
        Credentials? credentials)
    {
        RemoteSession? remote = await _cluster.LocateAsync(wanted, exchange.Aborted).ConfigureAwait(false);
        IReadOnlyList<byte[]> waiting = [];
        string? id = null;
        if (remote is not null && string.Equals(remote.MountPath, mount.Path, StringComparison.Ordinal))
        {
            waiting = await _cluster.TakeOverAsync(remote, exchange.Aborted).ConfigureAwait(false);
            id = remote.SessionId;
        }

        SseSession session = mount.CreateSession(request, opening.State, _options.QueueCapacity, _options.QueueBytes, _scheduler, id);
        session.FollowAtStart(opening.Topics);
        Task running = Attach(exchange, mount, service, request, session, resumed: false, credentials);
        foreach (byte[] frame in waiting)
        {
            session.Enqueue(new Outgoing(frame, 0));
        }

        await running.ConfigureAwait(false);
    }

    private async Task ResumeAsync(IStreamExchange exchange, Mount mount, ISseService service, SseRequest request, SseSession session, Credentials? credentials)
    {
        await session.TakeOverAsync().ConfigureAwait(false);
        await Attach(exchange, mount, service, request, session, resumed: true, credentials).ConfigureAwait(false);
    }

    private Task Attach(IStreamExchange exchange, Mount mount, ISseService service, SseRequest request, SseSession session, bool resumed,
        Credentials? credentials)
    {
        if (credentials is not null)
        {
            credentials.Ticket?.Bind(session.SessionId);
            if (credentials.ExpiresAt is { } expires)
            {
                session.EndWhenCredentialsExpire(expires);
            }
        }

        List<ReadOnlyMemory<byte>> preamble = mount.AttachStream(session, LastEventId(exchange, request), resumed);
        if (_table.IsShuttingDown || mount.IsRetired)
        {
            session.Close(SseDisconnectReason.Shutdown);
        }

        if (resumed)
        {
            LogResumed(_logger, mount.Path, session.SessionId, request.RemoteAddress);
        }
        else
        {
            LogConnected(_logger, mount.Path, session.SessionId, request.RemoteAddress);

            // The plugin hears of it on its callback queue, never on this thread.
            session.AnnounceConnected();
        }

        return exchange.Socket is { } socket
            ? session.RunOnSocketAsync(socket, preamble, exchange.Aborted)
            : session.RunAsync(exchange.Output, preamble, exchange.Aborted);
    }

    [LoggerMessage(EventId = 20, Level = LogLevel.Debug, Message = "{Path}: session {SessionId} connected from {Remote}")]
    private static partial void LogConnected(ILogger logger, string path, string sessionId, string? remote);

    [LoggerMessage(EventId = 26, Level = LogLevel.Debug, Message = "{Path}: session {SessionId} resumed from {Remote}")]
    private static partial void LogResumed(ILogger logger, string path, string sessionId, string? remote);

}
