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
    private readonly MountTable _table;
    private readonly PingOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<PingService> _logger;

    public PingService(MountTable table, IOptions<SseHostOptions> options, TimeProvider time, ILogger<PingService> logger)
    {
        _table = table;
        _options = options.Value.Ping;
        _time = time;
        _logger = logger;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_options.Enabled)
        {
            LogDisabled(_logger);
            return;
        }

        long idleMs = _options.IdleSeconds * 1000L;
        // Each look walks every session, so it is not done more often than it needs to be: a
        // quarter of the idle time (a client is pinged between 1 and 1.25 times IdleSeconds
        // after its last event), at most every 15 s.
        TimeSpan period = TimeSpan.FromMilliseconds(Math.Clamp(idleMs / 4, 250, 15_000));
        LogEnabled(_logger, _options.IdleSeconds);
        using PeriodicTimer timer = new(period, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                PingIdleClients(TimeSpan.FromMilliseconds(idleMs));
            }
        }
        catch (OperationCanceledException)
        {
            // The host is stopping.
        }
    }

    /// <summary>Queues a ping for every attached client that received nothing for <paramref name="idle"/>; returns how many.</summary>
    internal int PingIdleClients(TimeSpan idle)
    {
        int pinged = 0;
        ReadOnlyMemory<byte> frame = default;

        // One reading of the clock for the whole look, not one per client.
        long now = _time.GetTimestamp();
        long idleTicks = (long)(idle.TotalSeconds * _time.TimestampFrequency);
        foreach (Mount mount in _table.Mounts)
        {
            foreach (SseSession client in mount.Sessions)
            {
                if (!client.IsAttached || now - client.LastActivity < idleTicks)
                {
                    continue;
                }

                if (frame.IsEmpty)
                {
                    string stamp = _time.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
                    frame = SseFramer.Frame("ping", stamp);
                }

                if (client.Enqueue(new Outgoing(frame, 0)))
                {
                    pinged++;
                }
            }
        }

        return pinged;
    }

    [LoggerMessage(EventId = 30, Level = LogLevel.Information, Message = "Pinging clients idle for {Seconds} s")]
    private static partial void LogEnabled(ILogger logger, int seconds);

    [LoggerMessage(EventId = 31, Level = LogLevel.Information, Message = "Pinging is off (SseHost:Ping:Enabled = false)")]
    private static partial void LogDisabled(ILogger logger);
}
