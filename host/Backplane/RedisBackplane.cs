using Microsoft.Extensions.Options;
using SsePluginHost.Configuration;
using StackExchange.Redis;

namespace SsePluginHost.Backplane;

/// <summary>
/// This host's one connection to the shared Redis (a StackExchange.Redis multiplexer) and what
/// every mount's channel needs from it: the database, the subscriber, this node's id, the key
/// prefix, and whether Redis is reachable now.
/// </summary>
/// <remarks>
/// It never stops the host: when Redis cannot be reached at start or goes away later it says so
/// once, StackExchange.Redis retries with a growing delay, and the channels keep serving the
/// clients they have and hold what is published for when Redis is back.
/// </remarks>
internal sealed partial class RedisBackplane : IDisposable
{
    private readonly ConnectionMultiplexer _connection;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly string _endpoints;
    private int _away;
    private long _awaySince;

    public RedisBackplane(IOptions<SseHostOptions> options, ILogger<RedisBackplane> logger, TimeProvider time)
    {
        BackplaneOptions backplane = options.Value.Backplane;
        _logger = logger;
        _time = time;
        KeyPrefix = backplane.KeyPrefix;
        OutageBufferEvents = backplane.OutageBufferEvents;
        StreamLength = backplane.StreamLength;
        NodeId = Guid.NewGuid().ToString("N")[..12];

        ConfigurationOptions configuration = ConfigurationOptions.Parse(backplane.Redis);
        configuration.AbortOnConnectFail = false;

        // Nothing waits inside StackExchange.Redis while Redis is away: the channels buffer
        // what is published themselves, bounded, and know what they hold.
        configuration.BacklogPolicy = BacklogPolicy.FailFast;
        configuration.ReconnectRetryPolicy ??= new ExponentialRetry(250, 5_000);
        configuration.ClientName ??= "ssehost-" + NodeId;
        _endpoints = string.Join(", ", configuration.EndPoints.Select(e => e.ToString()));

        _connection = ConnectionMultiplexer.Connect(configuration);
        _connection.ConnectionFailed += OnConnectionFailed;
        _connection.ConnectionRestored += OnConnectionRestored;
        if (_connection.IsConnected)
        {
            LogConnected(_logger, _endpoints, KeyPrefix, NodeId);
        }
        else
        {
            MarkAway();
            LogUnreachableAtStart(_logger, _endpoints);
        }
    }

    /// <summary>Raised (on a StackExchange.Redis thread) when Redis is reachable again: channels catch up and send what they hold.</summary>
    public event Action? Restored;

    /// <summary>This process's id among the hosts that share the Redis.</summary>
    public string NodeId { get; }

    /// <summary>What every key and channel name starts with.</summary>
    public string KeyPrefix { get; }

    /// <summary>How many events each mount holds while Redis is away.</summary>
    public int OutageBufferEvents { get; }

    /// <summary>How many entries each mount's stream keeps at least.</summary>
    public int StreamLength { get; }

    /// <summary>Whether Redis is reachable now.</summary>
    public bool IsConnected => _connection.IsConnected && Volatile.Read(ref _away) == 0;

    /// <summary>Since when Redis has been away (<see cref="TimeProvider.GetTimestamp"/>), or null while it is reachable.</summary>
    public TimeSpan? AwayFor => Volatile.Read(ref _away) == 0 ? null : _time.GetElapsedTime(Interlocked.Read(ref _awaySince));

    /// <summary>Where Redis is, as configured, for messages.</summary>
    public string Endpoints => _endpoints;

    public IDatabase Database => _connection.GetDatabase();

    public ISubscriber Subscriber => _connection.GetSubscriber();

    /// <summary>The name of one of this deployment's keys or channels: the prefix, then the parts.</summary>
    public string Key(params string[] parts) => KeyPrefix + ":" + string.Join(':', parts);

    public void Dispose()
    {
        _connection.ConnectionFailed -= OnConnectionFailed;
        _connection.ConnectionRestored -= OnConnectionRestored;
        _connection.Dispose();
    }

    private bool MarkAway()
    {
        if (Interlocked.Exchange(ref _away, 1) == 0)
        {
            Interlocked.Exchange(ref _awaySince, _time.GetTimestamp());
            return true;
        }

        return false;
    }

    private void OnConnectionFailed(object? sender, ConnectionFailedEventArgs e)
    {
        // Each of StackExchange.Redis's connections (commands, subscriptions) reports its own
        // failure: the first one of an outage is logged.
        if (MarkAway())
        {
            LogAway(_logger, _endpoints, e.FailureType, e.Exception?.Message ?? "connection lost");
        }
    }

    private void OnConnectionRestored(object? sender, ConnectionFailedEventArgs e)
    {
        if (!_connection.IsConnected)
        {
            return;
        }

        long since = Interlocked.Read(ref _awaySince);
        if (Interlocked.Exchange(ref _away, 0) == 1)
        {
            LogBack(_logger, _endpoints, _time.GetElapsedTime(since).TotalSeconds);
        }

        Restored?.Invoke();
    }

    [LoggerMessage(EventId = 80, Level = LogLevel.Information, Message = "Backplane: Redis at {Endpoints}, key prefix '{KeyPrefix}', this node {NodeId}")]
    private static partial void LogConnected(ILogger logger, string endpoints, string keyPrefix, string nodeId);

    [LoggerMessage(EventId = 81, Level = LogLevel.Error, Message = "Backplane: Redis at {Endpoints} cannot be reached; retrying in the background. Until it can, clients are served but events published here wait for it (publish API: 503)")]
    private static partial void LogUnreachableAtStart(ILogger logger, string endpoints);

    [LoggerMessage(EventId = 82, Level = LogLevel.Error, Message = "Backplane: Redis at {Endpoints} went away ({FailureType}: {Reason}); retrying with backoff. Clients stay connected; events published here wait for it (publish API: 503)")]
    private static partial void LogAway(ILogger logger, string endpoints, ConnectionFailureType failureType, string reason);

    [LoggerMessage(EventId = 83, Level = LogLevel.Information, Message = "Backplane: Redis at {Endpoints} is back after {Seconds:0.0} s; catching up and sending what waited")]
    private static partial void LogBack(ILogger logger, string endpoints, double seconds);
}
