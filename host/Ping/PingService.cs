using System.Globalization;
using Microsoft.Extensions.Options;
using SsePluginHost.Configuration;
using SsePluginHost.Mounts;
using SsePluginHost.Streaming;

namespace SsePluginHost.Ping;

/// <summary>
/// Sends <c>event: ping</c> to every client that received nothing for <c>IdleSeconds</c>, so
/// that idle connections survive proxies (the original's <c>ping()</c>). The ping is framed once
/// per round and shared.
/// </summary>
internal sealed partial class PingService : BackgroundService
{
    private static readonly TimeSpan DueSlack = TimeSpan.FromMilliseconds(20);

    private readonly MountTable _table;
    private readonly PingOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<PingService> _logger;
    private int _looks;

    public PingService(MountTable table, IOptions<SseHostOptions> options, TimeProvider time, ILogger<PingService> logger)
    {
        _table = table;
        _options = options.Value.Ping;
        _time = time;
        _logger = logger;
    }

    /// <summary>How many looks at the sessions this service has taken (for tests).</summary>
    internal int Looks => Volatile.Read(ref _looks);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_options.Enabled)
        {
            LogDisabled(_logger);
            return;
        }

        TimeSpan idle = TimeSpan.FromSeconds(_options.IdleSeconds);
        // Looks are at least a quarter of the idle time apart (at most 15 s), so a client is
        // pinged between 1 and 1.25 times IdleSeconds after its last event. A look also learns
        // when the next client can be due (every session's last activity plus the idle time; a
        // new session starts with the clock's now), and the next look waits until then: a host
        // whose clients all got something recently does not walk its sessions at all.
        TimeSpan period = TimeSpan.FromMilliseconds(Math.Clamp(idle.TotalMilliseconds / 4, 250, 15_000));
        LogEnabled(_logger, _options.IdleSeconds);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                // A little past the due time, so that a timer a millisecond early does not find
                // nobody due and wait a whole period more.
                PingIdleClients(idle, out TimeSpan untilDue);
                untilDue += DueSlack;
                await Task.Delay(untilDue > period ? untilDue : period, _time, stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            // The host is stopping.
        }
    }

    /// <summary>Queues a ping for every attached client that received nothing for <paramref name="idle"/>; returns how many.</summary>
    internal int PingIdleClients(TimeSpan idle) => PingIdleClients(idle, out _);

    /// <summary>
    /// Queues a ping for every attached client that received nothing for <paramref name="idle"/>;
    /// returns how many, and in <paramref name="untilDue"/> how long until the next client can be
    /// due (no session, attached or not, has been idle longer than <paramref name="idle"/> minus that).
    /// </summary>
    internal int PingIdleClients(TimeSpan idle, out TimeSpan untilDue)
    {
        Interlocked.Increment(ref _looks);
        int pinged = 0;
        ReadOnlyMemory<byte> frame = default;

        // One reading of the clock for the whole look, not one per client.
        long now = _time.GetTimestamp();
        long idleTicks = (long)(idle.TotalSeconds * _time.TimestampFrequency);
        long oldest = now;
        foreach (Mount mount in _table.Mounts)
        {
            foreach (SseSession client in mount.Sessions)
            {
                long last = client.LastActivity;
                if (!client.IsAttached || now - last < idleTicks)
                {
                    oldest = Math.Min(oldest, last);
                    continue;
                }

                if (frame.IsEmpty)
                {
                    string stamp = _time.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
                    frame = SseFramer.Frame("ping", stamp);
                }

                if (client.Enqueue(new Outgoing(frame, 0), now))
                {
                    pinged++;
                }
                else
                {
                    oldest = Math.Min(oldest, last);
                }
            }
        }

        untilDue = TimeSpan.FromSeconds(Math.Max(0, oldest + idleTicks - now) / (double)_time.TimestampFrequency);
        return pinged;
    }

    [LoggerMessage(EventId = 30, Level = LogLevel.Information, Message = "Pinging clients idle for {Seconds} s")]
    private static partial void LogEnabled(ILogger logger, int seconds);

    [LoggerMessage(EventId = 31, Level = LogLevel.Information, Message = "Pinging is off (SseHost:Ping:Enabled = false)")]
    private static partial void LogDisabled(ILogger logger);
}
