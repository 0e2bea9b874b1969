using System.Globalization;
using SsePluginHost.Abstractions;
using SsePluginHost.Streaming;

namespace SsePluginHost.Plugins;

/// <summary>
/// A mount's plugin at arm's length: whether it is loading, serving or failed, its instance and
/// load context, and the queue its callbacks run on (one at a time, in order, off the host's
/// threads and locks). The host calls into the plugin only through here.
/// </summary>
internal sealed partial class PluginRuntime
{
    private readonly string _path;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly PluginActivity? _activity;
    private volatile ISseService? _service;
    private volatile string? _loadError;
    private string _pluginName = "(not loaded)";
    private long _loadingSince;

    public PluginRuntime(string path, TimeProvider time, ILogger logger, PluginActivity? activity = null)
    {
        _path = path;
        _time = time;
        _logger = logger;
        _activity = activity;
        Callbacks = new PluginCallbackQueue(time, activity);
    }

    /// <summary>The plugin instance, or <see langword="null"/> while it loads, when it failed to, or once disposed.</summary>
    public ISseService? Service => _service;

    /// <summary>The loaded plugin, or <see langword="null"/> (none yet, or disposed).</summary>
    public LoadedPlugin? Plugin { get; private set; }

    /// <summary>Why the plugin could not be loaded, or <see langword="null"/>.</summary>
    public string? LoadError => _loadError;

    /// <summary>Whether the plugin's constructor is still running.</summary>
    public bool IsLoading => Volatile.Read(ref _loadingSince) != 0;

    /// <summary>How long the plugin's constructor has run, while <see cref="IsLoading"/>.</summary>
    public TimeSpan LoadingFor => Volatile.Read(ref _loadingSince) is var since and not 0 ? _time.GetElapsedTime(since) : TimeSpan.Zero;

    /// <summary>The plugin's service type, for log lines.</summary>
    public string PluginName => _pluginName;

    /// <summary>Whether the watchdog has reported the constructor running long.</summary>
    public bool LoadReported { get; set; }

    /// <summary>The plugin's callbacks, run one at a time, in order, off the host's threads and locks.</summary>
    public PluginCallbackQueue Callbacks { get; }

    /// <summary>Why the mount cannot serve, for its 503 answer: the load error, or that its plugin is still starting.</summary>
    public string UnavailableReason => LoadError
        ?? (IsLoading
            ? string.Create(CultureInfo.InvariantCulture, $"its plugin is still starting: the constructor has run for {LoadingFor.TotalSeconds:0.#} s")
            : "its plugin has been unloaded");

    /// <summary>Marks the plugin's constructor as started (it runs on its own thread).</summary>
    public void BeginLoading()
    {
        Volatile.Write(ref _loadingSince, Math.Max(1, _time.GetTimestamp()));
        _activity?.Started();
    }

    /// <summary>Whether the plugin is running something the watchdog should look at: its constructor or a callback.</summary>
    public bool IsBusy => IsLoading || Callbacks.Current is not null || Callbacks.Pending > 0;

    /// <summary>Makes the constructed plugin serve.</summary>
    public void Serve(LoadedPlugin plugin)
    {
        Plugin = plugin;
        _pluginName = plugin.TypeName;
        _service = plugin.Service;
        Volatile.Write(ref _loadingSince, 0);
    }

    /// <summary>The plugin could not be loaded or constructed.</summary>
    public void Fail(string reason)
    {
        _loadError = reason;
        Volatile.Write(ref _loadingSince, 0);
    }

    /// <summary>Tells the plugin, on its callback queue, that a new client connected; a plugin that throws costs that client.</summary>
    public void PostConnected(SseSession session) =>
        Callbacks.Post(new PluginCallback(
            "OnClientConnected",
            () => _service?.OnClientConnected(session),
            ex =>
            {
                LogConnectFailed(_logger, ex, _path, session.SessionId, PluginName);
                session.Close(SseDisconnectReason.Error);
            }));

    /// <summary>Tells the plugin, on its callback queue, that a client left; <paramref name="then"/> runs after, whatever the plugin did.</summary>
    public void PostDisconnected(SseSession session, Action then) =>
        Callbacks.Post(new PluginCallback(
            "OnClientDisconnected",
            () =>
            {
                try
                {
                    _service?.OnClientDisconnected(session, session.Reason);
                }
                finally
                {
                    then();
                }
            },
            ex => LogDisconnectFailed(_logger, ex, _path, session.SessionId, PluginName)));

    /// <summary>Signals the instance's <see cref="SseServiceContext.Stopping"/> token (once; nothing before it is loaded).</summary>
    public void SignalStopping()
    {
        try
        {
            Plugin?.Life.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // Stopped already.
        }
        catch (AggregateException ex)
        {
            // A plugin's registration on its Stopping token threw: its own fault, not the host's.
            LogStoppingFailed(_logger, ex, _path, PluginName);
        }
    }

    /// <summary>
    /// Stops the plugin instance (its <see cref="ISseService.StopAsync"/>) and disposes it, if it
    /// is disposable, after its earlier callbacks, on its callback queue, and then its load
    /// context. A stop and disposal that have not finished within <paramref name="timeout"/> are
    /// left to run (logged); the load context then stays.
    /// </summary>
    public async Task DisposeAsync(TimeSpan timeout)
    {
        SignalStopping();
        using CancellationTokenSource patience = new(timeout);
        TaskCompletionSource<Task> disposing = new(TaskCreationOptions.RunContinuationsAsynchronously);
        Callbacks.Post(new PluginCallback(
            "Dispose",
            () =>
            {
                ISseService? service = _service;
                _service = null;
                disposing.TrySetResult(service is null ? Task.CompletedTask : StopAndDisposeAsync(service, patience.Token));
            },
            ex => disposing.TrySetException(ex)));
        try
        {
            Task disposal = await disposing.Task.WaitAsync(timeout).ConfigureAwait(false);
            await disposal.WaitAsync(timeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            LogDisposeSlow(_logger, _path, timeout.TotalSeconds);
            return;
        }

        // Nothing of the plugin is kept from here on, so that its load context can unload.
        LoadedPlugin? plugin = Plugin;
        Plugin = null;
        if (plugin is not null)
        {
            plugin.Life.Dispose();
            plugin.Services.Dispose();
            plugin.Loader.Dispose();
        }
    }

    /// <summary>The plugin's own stop, then its disposal (whichever it implements); a stop that throws does not keep it from being disposed.</summary>
    private async Task StopAndDisposeAsync(ISseService service, CancellationToken patience)
    {
        try
        {
            await service.StopAsync(patience).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // A plugin's failure to stop must not keep it from being disposed, nor stop the host.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogStopFailed(_logger, ex, _path, PluginName);
        }

        switch (service)
        {
            case IAsyncDisposable asyncDisposable:
                await asyncDisposable.DisposeAsync().ConfigureAwait(false);
                break;
            case IDisposable disposable:
                disposable.Dispose();
                break;
        }
    }

    [LoggerMessage(EventId = 22, Level = LogLevel.Error, Message = "{Path}: the plugin threw while session {SessionId} connected; the client is dropped (plugin {Plugin})")]
    private static partial void LogConnectFailed(ILogger logger, Exception exception, string path, string sessionId, string plugin);

    [LoggerMessage(EventId = 23, Level = LogLevel.Error, Message = "{Path}: the plugin threw while told that session {SessionId} left (plugin {Plugin})")]
    private static partial void LogDisconnectFailed(ILogger logger, Exception exception, string path, string sessionId, string plugin);

    [LoggerMessage(EventId = 17, Level = LogLevel.Error, Message = "{Path}: StopAsync of the plugin threw; it is disposed all the same (plugin {Plugin})")]
    private static partial void LogStopFailed(ILogger logger, Exception exception, string path, string plugin);

    [LoggerMessage(EventId = 18, Level = LogLevel.Error, Message = "{Path}: a callback the plugin registered on its Stopping token threw (plugin {Plugin})")]
    private static partial void LogStoppingFailed(ILogger logger, Exception exception, string path, string plugin);

    [LoggerMessage(EventId = 8, Level = LogLevel.Warning, Message = "{Path}: the plugin did not finish disposing within {Seconds} s; its load context is kept")]
    private static partial void LogDisposeSlow(ILogger logger, string path, double seconds);
}
