using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using SsePluginHost.Abstractions;
using SsePluginHost.Backplane;
using SsePluginHost.Mounts;
using SsePluginHost.Streaming;
using StackExchange.Redis;

namespace SsePluginHost.Cluster;

/// <summary>
/// Sessions shared through the Redis backplane. Each host says it is alive every couple of
/// seconds (<c>&lt;prefix&gt;:node:&lt;id&gt;</c>, its time), records where each of its sessions
/// is (<c>&lt;prefix&gt;:session:&lt;id&gt;</c>), and listens on a pub/sub channel of its own for
/// the other hosts' questions: send this event to your session, answer this plugin request for
/// it, let it go to me. Events for a session whose host died wait in a list
/// (<c>&lt;prefix&gt;:inbox:&lt;id&gt;</c>) for the session's grace period.
/// </summary>
internal sealed partial class RedisClusterSessions : IClusterSessions, IHostedService, IDisposable
{
    private static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan DeadAfter = TimeSpan.FromSeconds(6);
    private static readonly TimeSpan AnswerWithin = TimeSpan.FromSeconds(5);

    private const string DeleteIfMine = """
        if redis.call('GET', KEYS[1]) == ARGV[1] then
          return redis.call('DEL', KEYS[1])
        end
        return 0
        """;

    private const string TakeAll = """
        local all = redis.call('LRANGE', KEYS[1], 0, -1)
        redis.call('DEL', KEYS[1])
        return all
        """;

    private readonly RedisBackplane _backplane;
    private readonly MountTable _table;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly RedisChannel _inbox;
    private readonly ConcurrentDictionary<long, TaskCompletionSource<NodeMessage>> _waiting = new();
    private readonly Action<RedisChannel, RedisValue> _onMessage;
    private readonly ConcurrentDictionary<string, int> _othersClients = new(StringComparer.Ordinal);
    private ITimer? _heartbeat;
    private int _refreshing;
    private long _nextCorrelation;

    public RedisClusterSessions(RedisBackplane backplane, MountTable table, TimeProvider time, ILogger<RedisClusterSessions> logger)
    {
        _backplane = backplane;
        _table = table;
        _time = time;
        _logger = logger;
        _inbox = RedisChannel.Literal(NodeChannel(backplane.NodeId));
        _onMessage = (_, message) => OnMessage(message);
    }

    public bool Enabled => true;

    public string? NodeId => _backplane.NodeId;

    private IDatabase Database => _backplane.Database;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _backplane.Subscriber.SubscribeAsync(_inbox, _onMessage).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            // Redis is away: StackExchange.Redis subscribes once it is back.
        }

        _heartbeat = _time.CreateTimer(_ => Beat(), null, TimeSpan.Zero, Heartbeat);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_heartbeat is not null)
        {
            await _heartbeat.DisposeAsync().ConfigureAwait(false);
        }

        try
        {
            await _backplane.Subscriber.UnsubscribeAsync(_inbox, _onMessage).ConfigureAwait(false);
            await Database.KeyDeleteAsync(_backplane.Key("node", _backplane.NodeId)).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            // Gone anyway: the others see the heartbeat stop.
        }
    }

    public void Dispose() => _heartbeat?.Dispose();

    public void Opened(string mountPath, string sessionId) =>
        Fire(Database.StringSetAsync(SessionKey(sessionId), Location(mountPath), flags: CommandFlags.FireAndForget));

    public void Closed(string mountPath, string sessionId) =>
        Fire(Database.ScriptEvaluateAsync(DeleteIfMine, [SessionKey(sessionId)], [Location(mountPath)], CommandFlags.FireAndForget));

    public async Task<RemoteSession?> LocateAsync(string sessionId, CancellationToken cancellationToken)
    {
        RedisValue where;
        try
        {
            where = await Database.StringGetAsync(SessionKey(sessionId)).WaitAsync(AnswerWithin, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            return null;
        }

        if (where.IsNullOrEmpty || ((string)where!).Split('\n', 2) is not [string node, string mountPath])
        {
            return null;
        }

        if (string.Equals(node, _backplane.NodeId, StringComparison.Ordinal))
        {
            return null;
        }

        TimeSpan? silent = await SilentForAsync(node).ConfigureAwait(false);
        bool alive = silent is { } s && s < DeadAfter;
        if (!alive)
        {
            // Its host is gone: the session lives on for its grace period, counted from the
            // host's last heartbeat, then it is forgotten.
            double grace = _table.Find(mountPath)?.Definition.Delivery.SessionGraceSeconds ?? 0;
            if (silent is null || silent.Value > DeadAfter + TimeSpan.FromSeconds(grace))
            {
                Fire(Database.ScriptEvaluateAsync(DeleteIfMine, [SessionKey(sessionId)], [where], CommandFlags.FireAndForget));
                return null;
            }
        }

        return new RemoteSession(sessionId, mountPath, node, alive);
    }

    public async Task<RemoteDelivery> SendAsync(RemoteSession session, byte[] frame, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(session);
        if (session.NodeAlive)
        {
            (NodeMessage? answer, bool listening) = await AskAsync(session.NodeId, new NodeMessage(NodeMessage.Send, _backplane.NodeId, 0, session.MountPath, session.SessionId, frame), cancellationToken).ConfigureAwait(false);
            if (listening)
            {
                return answer is null ? RemoteDelivery.Unreachable : answer.Ok ? RemoteDelivery.Delivered : RemoteDelivery.Gone;
            }

            // Nobody listens on its channel: the host died before its heartbeat ran out.
        }

        double grace = _table.Find(session.MountPath)?.Definition.Delivery.SessionGraceSeconds ?? 0;
        RedisKey inbox = InboxKey(session.SessionId);
        try
        {
            await Database.ListRightPushAsync(inbox, frame).ConfigureAwait(false);
            await Database.KeyExpireAsync(inbox, TimeSpan.FromSeconds(Math.Max(1, grace + DeadAfter.TotalSeconds))).ConfigureAwait(false);
            return RemoteDelivery.Queued;
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            return RemoteDelivery.Unreachable;
        }
    }

    public async Task<ForwardedResponse?> ForwardAsync(RemoteSession session, ForwardedRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(session);
        (NodeMessage? answer, _) = await AskAsync(session.NodeId, new NodeMessage(NodeMessage.Forward, _backplane.NodeId, 0, session.MountPath, session.SessionId, Request: request), cancellationToken).ConfigureAwait(false);
        return answer?.Response;
    }

    public async Task<IReadOnlyList<byte[]>> TakeOverAsync(RemoteSession session, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(session);
        List<byte[]> frames = [];
        if (session.NodeAlive
            && await AskAsync(session.NodeId, new NodeMessage(NodeMessage.Release, _backplane.NodeId, 0, session.MountPath, session.SessionId), cancellationToken).ConfigureAwait(false) is ({ Frames: { } released }, _))
        {
            frames.AddRange(released);
        }

        try
        {
            RedisResult waited = await Database.ScriptEvaluateAsync(TakeAll, [InboxKey(session.SessionId)]).ConfigureAwait(false);
            if (!waited.IsNull)
            {
                frames.AddRange(((RedisResult[])waited!).Select(r => (byte[])r!));
            }
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            // What waited in Redis cannot be had now; the session goes on without it.
        }

        LogTakenOver(_logger, session.MountPath, session.SessionId, session.NodeId, session.NodeAlive ? "alive" : "gone", frames.Count);
        return frames;
    }

    public int? ClusterClients(string mountPath, int local) => local + _othersClients.GetValueOrDefault(mountPath);

    public async Task<IReadOnlyList<NodeClients>?> CountAsync(string mountPath, CancellationToken cancellationToken)
    {
        HashEntry[] counts;
        try
        {
            counts = await Database.HashGetAllAsync(CountsKey(mountPath)).WaitAsync(AnswerWithin, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            return null;
        }

        List<NodeClients> nodes = [];
        foreach (HashEntry entry in counts)
        {
            string node = entry.Name!;
            bool local = string.Equals(node, _backplane.NodeId, StringComparison.Ordinal);
            if (local)
            {
                continue;
            }

            if (await SilentForAsync(node).ConfigureAwait(false) is { } silent && silent < DeadAfter)
            {
                nodes.Add(new NodeClients(node, (int)entry.Value, false));
            }
            else
            {
                Fire(Database.HashDeleteAsync(CountsKey(mountPath), node, CommandFlags.FireAndForget));
            }
        }

        nodes.Insert(0, new NodeClients(_backplane.NodeId, _table.Find(mountPath)?.ClientCount ?? 0, true));
        return nodes;
    }

    private static void Fire(Task task) => _ = task.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);

    private string NodeChannel(string node) => _backplane.Key("node", node, "messages");

    private RedisKey SessionKey(string sessionId) => _backplane.Key("session", sessionId);

    private RedisKey InboxKey(string sessionId) => _backplane.Key("inbox", sessionId);

    private RedisKey CountsKey(string mountPath) => _backplane.Key("clients", mountPath);

    private string Location(string mountPath) => _backplane.NodeId + "\n" + mountPath;

    /// <summary>How long since a host's last heartbeat, or null when it has none.</summary>
    private async Task<TimeSpan?> SilentForAsync(string node)
    {
        RedisValue beat = await Database.StringGetAsync(_backplane.Key("node", node)).ConfigureAwait(false);
        return beat.TryParse(out long ms)
            ? TimeSpan.FromMilliseconds(Math.Max(0, _time.GetUtcNow().ToUnixTimeMilliseconds() - ms))
            : null;
    }

    /// <summary>Says this host is alive and how many clients each of its mounts has.</summary>
    private void Beat()
    {
        if (!_backplane.IsConnected)
        {
            return;
        }

        IBatch batch = Database.CreateBatch();
        Fire(batch.StringSetAsync(_backplane.Key("node", _backplane.NodeId), _time.GetUtcNow().ToUnixTimeMilliseconds(), TimeSpan.FromDays(1), flags: CommandFlags.FireAndForget));
        foreach (Mount mount in _table.Mounts)
        {
            Fire(batch.HashSetAsync(CountsKey(mount.Path), _backplane.NodeId, mount.ClientCount, flags: CommandFlags.FireAndForget));
        }

        batch.Execute();
        if (Interlocked.Exchange(ref _refreshing, 1) == 0)
        {
            _ = RefreshOthersAsync();
        }
    }

    /// <summary>Reads the other hosts' client counts, for the status reports (which may not wait for Redis).</summary>
    private async Task RefreshOthersAsync()
    {
        try
        {
            foreach (Mount mount in _table.Mounts)
            {
                IReadOnlyList<NodeClients>? nodes = await CountAsync(mount.Path, CancellationToken.None).ConfigureAwait(false);
                if (nodes is not null)
                {
                    _othersClients[mount.Path] = nodes.Where(n => !n.Local).Sum(n => n.Clients);
                }
            }
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            // The next heartbeat tries again.
        }
        finally
        {
            Volatile.Write(ref _refreshing, 0);
        }
    }

    /// <summary>Asks another host and waits for its answer; <c>Listening</c> is false when no host listens on that host's channel (it is gone).</summary>
    private async Task<(NodeMessage? Answer, bool Listening)> AskAsync(string node, NodeMessage question, CancellationToken cancellationToken)
    {
        long correlation = Interlocked.Increment(ref _nextCorrelation);
        TaskCompletionSource<NodeMessage> answer = new(TaskCreationOptions.RunContinuationsAsynchronously);
        _waiting[correlation] = answer;
        try
        {
            byte[] payload = JsonSerializer.SerializeToUtf8Bytes(question with { Correlation = correlation });
            long receivers = await _backplane.Subscriber.PublishAsync(RedisChannel.Literal(NodeChannel(node)), payload).ConfigureAwait(false);
            if (receivers == 0)
            {
                return (null, false);
            }

            return (await answer.Task.WaitAsync(AnswerWithin, cancellationToken).ConfigureAwait(false), true);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            LogNoAnswer(_logger, node, question.Op, ex.Message);
            return (null, true);
        }
        finally
        {
            _waiting.TryRemove(correlation, out _);
        }
    }

    private void OnMessage(RedisValue payload)
    {
        NodeMessage? message;
        try
        {
            message = JsonSerializer.Deserialize<NodeMessage>((byte[])payload!);
        }
        catch (JsonException)
        {
            return;
        }

        if (message is null)
        {
            return;
        }

        if (message.Op == NodeMessage.Reply)
        {
            if (_waiting.TryGetValue(message.Correlation, out TaskCompletionSource<NodeMessage>? waiting))
            {
                waiting.TrySetResult(message);
            }

            return;
        }

        // Plugin code and waiting stay off StackExchange.Redis's own threads.
        _ = Task.Run(() => AnswerAsync(message));
    }

    private async Task AnswerAsync(NodeMessage question)
    {
        NodeMessage reply = new(NodeMessage.Reply, _backplane.NodeId, question.Correlation);
        Mount? mount = question.Mount is null ? null : _table.Find(question.Mount);
        SseSession? session = question.Session is null ? null : mount?.FindSession(question.Session);
        try
        {
            reply = question.Op switch
            {
                NodeMessage.Send => reply with { Ok = session is { IsConnected: true } && question.Frame is { } frame && mount!.DeliverDirect(session.SessionId, frame) },
                NodeMessage.Forward => reply with { Response = await AnswerRequestAsync(mount, question.Request).ConfigureAwait(false), Ok = true },
                NodeMessage.Release => reply with { Frames = session is null ? [] : [.. session.Release().Select(f => f.ToArray())], Ok = session is not null },
                _ => reply,
            };
        }
#pragma warning disable CA1031 // One question's failure is answered, never the host's.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogAnswerFailed(_logger, question.Op, question.From, ex.Message);
            reply = reply with { Response = new ForwardedResponse(500, "text/plain; charset=utf-8", "The service failed to handle the request.\n") };
        }

        try
        {
            await _backplane.Subscriber.PublishAsync(RedisChannel.Literal(NodeChannel(question.From)), JsonSerializer.SerializeToUtf8Bytes(reply)).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            LogNoAnswer(_logger, question.From, NodeMessage.Reply, ex.Message);
        }
    }

    /// <summary>Has this host's plugin answer a request another host received for one of this host's sessions.</summary>
    private static async Task<ForwardedResponse> AnswerRequestAsync(Mount? mount, ForwardedRequest? forwarded)
    {
        if (mount?.Service is not { } service || forwarded is null)
        {
            return new ForwardedResponse(503, "text/plain; charset=utf-8", $"{forwarded?.MountPath} is not available on the host that has the session.\n");
        }

        using CancellationTokenSource timeout = new(AnswerWithin);
        SseResponse answer = await service.HandleRequestAsync(forwarded.ToRequest(), timeout.Token).ConfigureAwait(false);
        return answer switch
        {
            null => new ForwardedResponse(500, "text/plain; charset=utf-8", $"The service at {mount.Path} gave no answer.\n"),
            { IsRetryLater: true } => new ForwardedResponse(StatusCodes.Status503ServiceUnavailable, "text/plain; charset=utf-8", PluginRetryLater.Body(answer, mount),
                answer.Headers, PluginRetryLater.Seconds(PluginRetryLater.Delay(answer, mount))),
            { IsStream: true } => new ForwardedResponse(400, "text/plain; charset=utf-8", "This request opens a stream: send it with Accept: text/event-stream.\n"),
            _ => new ForwardedResponse(answer.StatusCode, answer.ContentType, answer.Body, answer.Headers),
        };
    }

    [LoggerMessage(EventId = 90, Level = LogLevel.Information, Message = "{Path}: took session {SessionId} over from host {Node} ({State}); {Count} events sent to it alone were waiting")]
    private static partial void LogTakenOver(ILogger logger, string path, string sessionId, string node, string state, int count);

    [LoggerMessage(EventId = 91, Level = LogLevel.Warning, Message = "Cluster: host {Node} did not answer '{Op}' ({Reason})")]
    private static partial void LogNoAnswer(ILogger logger, string node, string op, string reason);

    [LoggerMessage(EventId = 92, Level = LogLevel.Error, Message = "Cluster: answering '{Op}' from host {Node} failed: {Reason}")]
    private static partial void LogAnswerFailed(ILogger logger, string op, string node, string reason);
}
