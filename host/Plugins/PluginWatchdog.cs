using Microsoft.Extensions.Options;
using SsePluginHost.Configuration;
using SsePluginHost.Mounts;

namespace SsePluginHost.Plugins;

/// <summary>
/// Looks every second, while any plugin runs something, at each mount's plugin: a constructor or a callback that has run longer
/// than <c>SseHost:Plugins:WatchdogSeconds</c> is reported once, with the mount, the plugin and
/// what it is stuck in. It only reports: the plugin's own mount is what waits.
/// </summary>
internal sealed partial class PluginWatchdog : BackgroundService
{
    private static readonly TimeSpan Period = TimeSpan.FromSeconds(1);

    private readonly MountTable _table;
    private readonly TimeProvider _time;
    private readonly TimeSpan _limit;
    private readonly PluginActivity _activity;
    private readonly ILogger<PluginWatchdog> _logger;

    public PluginWatchdog(MountTable table, TimeProvider time, PluginActivity activity, IOptions<SseHostOptions> options, ILogger<PluginWatchdog> logger)
    {
        _activity = activity;
        _table = table;
        _time = time;
        _limit = TimeSpan.FromSeconds(options.Value.Plugins.WatchdogSeconds);
        _logger = logger;
    }

    /// <summary>Looks once at every mount; returns how many new reports it logged.</summary>
    public int Check()
    {
        int reported = 0;
        foreach (Mount mount in _table.Mounts)
        {
            PluginRuntime runtime = mount.Runtime;
            if (runtime.IsLoading && !runtime.LoadReported && runtime.LoadingFor >= _limit)
            {
                runtime.LoadReported = true;
                LogSlowConstructor(_logger, mount.Path, mount.Definition.Plugin, runtime.LoadingFor.TotalSeconds);
                reported++;
            }

            if (mount.Callbacks.Current is ({ Reported: false } callback, TimeSpan runningFor) && runningFor >= _limit)
            {
                callback.Reported = true;
                LogSlowCallback(_logger, mount.Path, mount.Plugin?.TypeName ?? mount.Definition.Plugin, callback.Name, runningFor.TotalSeconds, mount.Callbacks.Pending);
                reported++;
            }
        }

        return reported;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                // Asleep while no plugin runs anything; then a look every second until none does.
                await _activity.WaitAsync(stoppingToken).ConfigureAwait(false);
                do
                {
                    await Task.Delay(Period, _time, stoppingToken).ConfigureAwait(false);
                    Check();
                }
                while (_table.Mounts.Any(m => m.Runtime.IsBusy));
            }
        }
        catch (OperationCanceledException)
        {
            // The host is stopping.
        }
    }

    [LoggerMessage(EventId = 12, Level = LogLevel.Warning, Message = "{Path}: the constructor of plugin {Plugin} has run for {Seconds:0.#} s; the mount answers 503 until it returns")]
    private static partial void LogSlowConstructor(ILogger logger, string path, string plugin, double seconds);

    [LoggerMessage(EventId = 13, Level = LogLevel.Warning, Message = "{Path}: plugin {Plugin} has been in {Callback} for {Seconds:0.#} s; this mount's {Pending} later callbacks wait for it, other mounts are not affected")]
    private static partial void LogSlowCallback(ILogger logger, string path, string plugin, string callback, double seconds, int pending);
}
