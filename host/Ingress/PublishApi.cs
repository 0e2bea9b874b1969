using System.Globalization;
using Microsoft.Extensions.Options;
using SsePluginHost.Abstractions;
using SsePluginHost.Channels;
using SsePluginHost.Cluster;
using SsePluginHost.Configuration;
using SsePluginHost.Mounts;
using SsePluginHost.Status;
using SsePluginHost.Streaming;

namespace SsePluginHost.Ingress;

/// <summary>
/// The publish API under <c>/_host/</c>, for other processes: publish an event to a mount or a
/// session, list the mounts and a mount's clients, drop a client. Published events take the same
/// path as a plugin's own broadcast (ids, history, queues).
/// </summary>
internal sealed partial class PublishApi
{
    /// <summary>The prefix the API lives under; no mount may use it.</summary>
    public const string Prefix = MountDefinitionReader.ReservedPrefix;

    /// <summary>How long a publish waits for Redis to take the event before it is answered 202 (taken, waiting for Redis).</summary>
    private static readonly TimeSpan QueuedAfter = TimeSpan.FromSeconds(10);

    private readonly MountTable _table;
    private readonly PublishAccess _access;
    private readonly MountStatusBoard _board;
    private readonly SseHostOptions _options;
    private readonly ILogger<PublishApi> _logger;
    private readonly IClusterSessions _cluster;

    public PublishApi(MountTable table, PublishAccess access, MountStatusBoard board, IOptions<SseHostOptions> options, ILogger<PublishApi> logger,
        IClusterSessions? cluster = null)
    {
        _cluster = cluster ?? new NoClusterSessions();
        _board = board;
        _table = table;
        _access = access;
        _options = options.Value;
        _logger = logger;
    }

    /// <summary>Maps the API's endpoints, each behind the access check.</summary>
    public static void Map(WebApplication app)
    {
        PublishApi api = app.Services.GetRequiredService<PublishApi>();
        if (!api._options.Publish.Enabled)
        {
            return;
        }

        RouteGroupBuilder group = app.MapGroup(Prefix);
        group.AddEndpointFilter(async (context, next) =>
            await api._access.CheckAsync(context.HttpContext, MountNamed(context.HttpContext)).ConfigureAwait(false) is { } refusal
                ? refusal.Status == StatusCodes.Status204NoContent
                    ? Results.NoContent()
                    : Results.Text(refusal.Message + "\n", "text/plain", statusCode: refusal.Status)
                : await next(context).ConfigureAwait(false));
        group.MapPost("/publish/{**mount}", api.PublishAsync);
        group.MapGet("/mounts", api.ListMounts);
        group.MapGet("/clients/{**mount}", api.ListClientsAsync);
        group.MapDelete("/sessions/{session}", api.Drop);
        group.MapFallback(() => Results.Text(
            $"Unknown publish API call. POST {Prefix}/publish/<mount>, GET {Prefix}/mounts, GET {Prefix}/clients/<mount>, DELETE {Prefix}/sessions/<id>\n",
            "text/plain", statusCode: StatusCodes.Status404NotFound));
    }

    /// <summary>The mount path a call names (<c>/chat</c> for <c>/_host/publish/chat</c>), or null for a call about the whole host.</summary>
    private static string? MountNamed(HttpContext context) =>
        context.Request.RouteValues.TryGetValue("mount", out object? mount) && mount is string { Length: > 0 } name ? "/" + name.Trim('/') : null;

    /// <summary>Finds a mount from the path segment after the API's verb (<c>chat</c> for <c>/chat</c>).</summary>
    private Mount? FindMount(string? mount) => _table.Find("/" + (mount ?? string.Empty).Trim('/'));

    private async Task<IResult> PublishAsync(HttpContext context, string? mount)
    {
        Mount? target = FindMount(mount);
        if (target is null)
        {
            return Results.Text($"Nothing is mounted at /{mount}; GET {Prefix}/mounts lists the mounts.\n", "text/plain", statusCode: StatusCodes.Status404NotFound);
        }

        PublishRequest request;
        try
        {
            request = await PublishRequestReader.ReadAsync(context.Request, _options.Streams.MaxRequestBodyBytes, context.RequestAborted).ConfigureAwait(false);
        }
        catch (BadHttpRequestException ex)
        {
            return Results.Text(ex.Message + "\n", "text/plain", statusCode: ex.StatusCode);
        }

        if (request.Topic is { } topic && (request.Session is not null || !SseTopics.IsValid(topic)))
        {
            return Results.Text(
                request.Session is not null
                    ? "An event is sent to one session or broadcast to a topic, not both: give session or topic.\n"
                    : $"The topic must be 1 to {SseTopics.MaxLength} characters without control characters.\n",
                "text/plain", statusCode: StatusCodes.Status400BadRequest);
        }

        SseEvent sseEvent;
        try
        {
            sseEvent = new SseEvent(request.EventType, request.Data, request.Id);
        }
        catch (ArgumentException ex)
        {
            return Results.Text(ex.Message + "\n", "text/plain", statusCode: StatusCodes.Status400BadRequest);
        }

        if (request.Session is { } sessionId)
        {
            SseSession? session = target.FindSession(sessionId);
            if (session is null)
            {
                return await SendElsewhereAsync(context, target, sessionId, sseEvent).ConfigureAwait(false);
            }

            bool sent = session.Send(sseEvent);
            LogPublished(_logger, target.Path, sseEvent.EventType ?? "message", sent ? 1 : 0);
            return Results.Json(new PublishResult(target.Path, sessionId, null, sent ? 1 : 0));
        }

        if (target.Service is null)
        {
            // Its plugin failed to load, or is still starting: nobody would get the event.
            context.Response.Headers.RetryAfter = "1";
            return Results.Text($"{target.Path} is not available: {target.UnavailableReason}\n", "text/plain", statusCode: StatusCodes.Status503ServiceUnavailable);
        }

        if (!target.Channel.IsAvailable)
        {
            return Unavailable(context, target.Path);
        }

        PublishReceipt receipt;
        try
        {
            receipt = await target.BroadcastAsync(request.Topic, sseEvent).AsTask().WaitAsync(QueuedAfter, context.RequestAborted).ConfigureAwait(false);
        }
        catch (ChannelUnavailableException)
        {
            return Unavailable(context, target.Path);
        }
        catch (TimeoutException)
        {
            // Taken, but Redis went away before it got there: it goes out once Redis is back.
            LogQueued(_logger, target.Path, sseEvent.EventType ?? "message");
            return Results.Json(new PublishQueued(target.Path, true), statusCode: StatusCodes.Status202Accepted);
        }

        LogPublished(_logger, target.Path, sseEvent.EventType ?? "message", receipt.Delivered);
        return Results.Json(new PublishResult(target.Path, null, receipt.Id, receipt.Delivered));
    }

    /// <summary>
    /// An event for a session this host does not have: with a backplane, the host that has it
    /// queues it (or, while that host is gone, it waits for whoever takes the session over).
    /// </summary>
    private async Task<IResult> SendElsewhereAsync(HttpContext context, Mount target, string sessionId, SseEvent sseEvent)
    {
        RemoteSession? remote = await _cluster.LocateAsync(sessionId, context.RequestAborted).ConfigureAwait(false);
        if (remote is null || !string.Equals(remote.MountPath, target.Path, StringComparison.Ordinal))
        {
            return Results.Text($"No open session '{sessionId}' at {target.Path}.\n", "text/plain", statusCode: StatusCodes.Status404NotFound);
        }

        RemoteDelivery delivery = await _cluster.SendAsync(remote, SseFramer.Frame(sseEvent), context.RequestAborted).ConfigureAwait(false);
        LogPublishedElsewhere(_logger, target.Path, sseEvent.EventType ?? "message", sessionId, remote.NodeId, delivery);
        switch (delivery)
        {
            case RemoteDelivery.Delivered:
                return Results.Json(new PublishResult(target.Path, sessionId, null, 1));
            case RemoteDelivery.Queued:
                return Results.Json(new PublishQueued(target.Path, true), statusCode: StatusCodes.Status202Accepted);
            case RemoteDelivery.Unreachable:
                context.Response.Headers.RetryAfter = "1";
                return Results.Text($"The host that has session '{sessionId}' did not answer in time; nothing was sent. Try again.\n", "text/plain",
                    statusCode: StatusCodes.Status503ServiceUnavailable);
            default:
                return Results.Text($"No open session '{sessionId}' at {target.Path}.\n", "text/plain", statusCode: StatusCodes.Status404NotFound);
        }
    }

    /// <summary>
    /// 503 with <c>Retry-After</c>: the mount's backplane (Redis) is away, so the event was not
    /// taken; the publisher tries again later and nothing is lost without it knowing.
    /// </summary>
    private static IResult Unavailable(HttpContext context, string path)
    {
        context.Response.Headers.RetryAfter = "2";
        return Results.Text($"{path} cannot take events now: its backplane (Redis) is away. Nothing was published; try again later.\n", "text/plain",
            statusCode: StatusCodes.Status503ServiceUnavailable);
    }

    private IResult ListMounts() => Results.Json(_board.Read().Select(m => new MountInfo(
        m.Path,
        m.Plugin,
        m.State.ToString().ToLowerInvariant(),
        m.Type,
        m.Version,
        m.Clients,
        m.Streams,
        m.SlowConsumers,
        m.HistoryCount,
        m.ClusterClients,
        m.Error)));

    private async Task<IResult> ListClientsAsync(HttpContext context, string? mount)
    {
        Mount? target = FindMount(mount);
        if (target is null)
        {
            return Results.Text($"Nothing is mounted at /{mount}.\n", "text/plain", statusCode: StatusCodes.Status404NotFound);
        }

        ClientInfo[] local = [.. target.Sessions.Select(s => new ClientInfo(
            s.SessionId,
            s.Request.RemoteAddress,
            s.ConnectedAt.ToString("O", CultureInfo.InvariantCulture),
            s.IsAttached))];
        if (!context.Request.Query.ContainsKey("cluster"))
        {
            return Results.Json(local);
        }

        // With ?cluster: this host's clients, and how many each host has (as each last said).
        IReadOnlyList<NodeClients> nodes = await _cluster.CountAsync(target.Path, context.RequestAborted).ConfigureAwait(false)
            ?? [new NodeClients(_cluster.NodeId ?? "local", local.Length, true)];
        return Results.Json(new ClusterClients(target.Path, nodes.Sum(n => n.Clients), nodes, local));
    }

    private IResult Drop(string session)
    {
        SseSession? client = _table.FindSession(session);
        if (client is null)
        {
            return Results.Text($"No open session '{session}'.\n", "text/plain", statusCode: StatusCodes.Status404NotFound);
        }

        client.Drop();
        return Results.Json(new DropResult(session, client.MountPath));
    }

    [LoggerMessage(EventId = 53, Level = LogLevel.Debug, Message = "Publish API: {Path} event {EventType} for session {SessionId} on host {Node}: {Delivery}")]
    private static partial void LogPublishedElsewhere(ILogger logger, string path, string eventType, string sessionId, string node, RemoteDelivery delivery);

    [LoggerMessage(EventId = 52, Level = LogLevel.Warning, Message = "Publish API: {Path} event {EventType} waits for Redis, which went away after it was taken (202)")]
    private static partial void LogQueued(ILogger logger, string path, string eventType);

    [LoggerMessage(EventId = 51, Level = LogLevel.Debug, Message = "Publish API: {Path} event {EventType} delivered to {Delivered}")]
    private static partial void LogPublished(ILogger logger, string path, string eventType, int delivered);
}
