using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using SsePluginHost.Abstractions;

namespace Clock;

/// <summary>
/// Broadcasts <c>event: time</c> with the current UTC time to every client, every
/// <c>IntervalSeconds</c> (setting, 1 by default).
/// </summary>
public sealed partial class ClockService : SseServiceBase, IDisposable
{
    private readonly Timer _timer;
    private readonly ILogger _logger;

    /// <summary>Creates the clock and starts its timer.</summary>
    /// <param name="mount">The mount.</param>
    /// <param name="settings">The mount's settings: <c>IntervalSeconds</c>.</param>
    /// <param name="logger">The logger.</param>
    public ClockService(ISseMount mount, IConfiguration settings, ILogger<ClockService> logger)
        : base(mount)
    {
        ArgumentNullException.ThrowIfNull(settings);
        _logger = logger;
        string? text = settings["IntervalSeconds"];
        double seconds = 1.0;
        if (text is not null
            && (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out seconds)
                || !(seconds > 0) || double.IsInfinity(seconds)))
        {
            throw new ArgumentException($"Clock: IntervalSeconds must be a positive number of seconds, not '{text}'.", nameof(settings));
        }

        TimeSpan interval = TimeSpan.FromSeconds(seconds);
        _timer = new Timer(_ => Tick(), null, interval, interval);
        LogStarted(_logger, mount.Path, seconds);
    }

    /// <inheritdoc/>
    public void Dispose() => _timer.Dispose();

    private void Tick()
    {
        if (Mount.ClientCount > 0)
        {
            Mount.Broadcast("time", DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture));
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Clock at {Path} ticks every {Seconds} s")]
    private static partial void LogStarted(ILogger logger, string path, double seconds);
}
