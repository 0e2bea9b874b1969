using SsePluginHost.Channels;
using SsePluginHost.Configuration;
using SsePluginHost.Diagnostics;
using SsePluginHost.Plugins;

namespace SsePluginHost.Mounts;

/// <summary>
/// Builds the mount table from configuration, at start and on reload: each mount is loaded on its
/// own, and one that fails is logged in one line (mount, file, cause) and answers 503, while the
/// rest serve. A reload keeps the mounts whose definition and plugin build did not change (and
/// their clients), loads new and changed ones, and retires the old ones: their streams end with
/// reason <c>Shutdown</c> and the browsers reconnect to the new instance, which continues the old
/// one's history. A mount's identity includes its DLL's content: a new build copied over the file
/// is loaded (a build that fails to load leaves the running one serving), and a mount that failed
/// is loaded again once its file appears or changes.
/// </summary>
/// <remarks>
/// A plugin's constructor runs on a thread of its own, never under the reload lock: the loader
/// waits for new mounts' constructors for at most <c>SseHost:Plugins:StartWaitSeconds</c> before
/// it swaps them in, and a mount whose constructor has not returned by then answers 503 until it
/// does. One constructor that never returns costs its own mount only.
/// </remarks>
internal sealed partial class MountLoader : IDisposable
{
    private static readonly TimeSpan RetireTimeout = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan SettleDelay = TimeSpan.FromMilliseconds(400);

    private readonly MountTable _table;
    private readonly PluginFactory _factory;
    private readonly IMountChannelFactory _channels;
    private readonly Cluster.IClusterSessions _cluster;
    private readonly IConfiguration _configuration;
    private readonly ILogger<MountLoader> _logger;
    private readonly HostMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly TimeSpan _startWait;
    private readonly bool _directStreams;
    private readonly Admission.MountAdmission _admission;
    private readonly PluginActivity _activity;
    private readonly Microsoft.AspNetCore.Cors.Infrastructure.ICorsService? _cors;
    private readonly Lock _reloadLock = new();
    private readonly Timer _settle;
    private volatile bool _reloadingFiles;

    public MountLoader(MountTable table, PluginFactory factory, IMountChannelFactory channels, IConfiguration configuration,
        HostMetrics metrics, TimeProvider time, Admission.MountAdmission admission, PluginActivity activity,
        Microsoft.Extensions.Options.IOptions<SseHostOptions> options, ILogger<MountLoader> logger, Cluster.IClusterSessions? cluster = null,
        Microsoft.AspNetCore.Cors.Infrastructure.ICorsService? cors = null)
    {
        _cors = cors;
        _cluster = cluster ?? new Cluster.NoClusterSessions();
        _activity = activity;
        _admission = admission;
        _directStreams = options.Value.Streams.DirectStreams;
        _time = time;
        _startWait = TimeSpan.FromSeconds(options.Value.Plugins.StartWaitSeconds);
        _channels = channels;
        _metrics = metrics;
        _table = table;
        _factory = factory;
        _configuration = configuration;
        _logger = logger;
        _settle = new Timer(_ => ReloadInBackground(), null, Timeout.Infinite, Timeout.Infinite);
    }

    public void Dispose() => _settle.Dispose();

    /// <summary>A reload on the settle timer's thread: whatever goes wrong is logged, never left to end the process.</summary>
    private void ReloadInBackground()
    {
        try
        {
            Reload();
        }
#pragma warning disable CA1031 // A timer's callback that throws ends the process; a reload that fails must not.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            // Once the host stops under a reload (its services being disposed), there is nothing to say.
            if (!_table.IsShuttingDown)
            {
                LogReloadFailed(_logger, ex);
            }
        }
    }

    /// <summary>
    /// Called when a configuration file changes: the reload waits until the file has been quiet
    /// for a moment, so that an editor's partial writes are not applied.
    /// </summary>
    public void OnConfigurationChanged()
    {
        if (_reloadingFiles || _table.IsShuttingDown)
        {
            return;
        }

        try
        {
            _settle.Change(SettleDelay, Timeout.InfiniteTimeSpan);
        }
        catch (ObjectDisposedException)
        {
            // The host is stopping.
        }
    }

    /// <summary>Called when plugin files changed and settled: reloads (comparing the builds by content).</summary>
    public void OnPluginFilesChanged()
    {
        if (_table.IsShuttingDown)
        {
            return;
        }

        try
        {
            _settle.Change(TimeSpan.Zero, Timeout.InfiniteTimeSpan);
        }
        catch (ObjectDisposedException)
        {
            // The host is stopping.
        }
    }

    public void LoadAll()
    {
        lock (_reloadLock)
        {
            IReadOnlyList<MountDefinition> definitions = ReadDefinitions();
            List<(Mount Mount, Task Loading)> loading = [.. definitions.Select(definition => Load(definition, null, rebuilding: false))];
            WaitForConstructors(loading);
            _table.Set(loading.Select(pair => pair.Mount));
            if (definitions.Count == 0)
            {
                LogNoMounts(_logger);
            }
        }
    }

    /// <summary>
    /// Reads the configuration files again and applies them to the mount table; says what
    /// changed. A file that is not valid JSON is refused and the mounts stay as they were.
    /// </summary>
    public string Reload()
    {
        List<Mount> retired = [];
        List<string> changes = [];
        lock (_reloadLock)
        {
            if (_table.IsShuttingDown)
            {
                return "the host is shutting down";
            }

            if (ConfigurationFiles.FindUnreadable(_configuration) is { } problem)
            {
                LogReloadRefused(_logger, problem);
                return $"not reloaded, the mounts stay as they were: cannot read {problem}";
            }

            if (_configuration is IConfigurationRoot root)
            {
                _reloadingFiles = true;
                try
                {
                    root.Reload();
                }
                finally
                {
                    _reloadingFiles = false;
                }
            }

            IReadOnlyList<MountDefinition> definitions = ReadDefinitions();
            List<Mount> next = [];
            List<(Mount Mount, Task Loading)> loading = [];
            List<(Mount Running, Mount Rebuilt, int Index)> rebuilt = [];
            foreach (MountDefinition definition in definitions)
            {
                Mount? current = _table.Find(definition.Path);
                if (current is not null && current.Definition.IsSameAs(definition))
                {
                    if (NewBuild(current) is not { } why)
                    {
                        next.Add(current);
                        continue;
                    }

                    (Mount Mount, Task Loading) again = Load(definition, current, rebuilding: current.Service is not null);
                    loading.Add(again);
                    rebuilt.Add((current, again.Mount, next.Count));
                    next.Add(again.Mount);
                    changes.Add($"replaced {definition.Path} ({why})");
                    continue;
                }

                (Mount Mount, Task Loading) started = Load(definition, current, rebuilding: false);
                loading.Add(started);
                next.Add(started.Mount);
                changes.Add((current is null ? "added " : "replaced ") + definition.Path);
            }

            // The old mounts serve while the new ones' constructors run (for a bounded time).
            WaitForConstructors(loading);

            // A new build that failed to load: the running one keeps serving, and the failed one goes.
            foreach ((Mount running, Mount fresh, int index) in rebuilt)
            {
                if (fresh.LoadError is not null && running.Service is not null)
                {
                    next[index] = running;
                    running.Build = fresh.Build;
                    retired.Add(fresh);
                    changes[changes.FindIndex(c => c.StartsWith("replaced " + running.Path + " (", StringComparison.Ordinal))] =
                        $"kept {running.Path} (its new build failed to load)";
                }
            }

            HashSet<Mount> kept = [.. next];
            foreach (Mount old in _table.Mounts)
            {
                if (!kept.Contains(old) && !retired.Contains(old))
                {
                    retired.Add(old);
                    if (next.All(m => !string.Equals(m.Path, old.Path, StringComparison.OrdinalIgnoreCase)))
                    {
                        changes.Add("removed " + old.Path);
                    }
                }
            }

            _table.Set(next);
        }

        foreach (Mount old in retired)
        {
            _ = RetireAsync(old);
        }

        string summary = changes.Count == 0 ? "no changes" : string.Join(", ", changes);
        LogReloaded(_logger, summary);
        return summary;
    }

    private async Task RetireAsync(Mount mount)
    {
        try
        {
            await mount.RetireAsync(RetireTimeout).ConfigureAwait(false);
            await mount.DisposeAsync().ConfigureAwait(false);
        }
#pragma warning disable CA1031 // A plugin's failure to dispose must not stop the host.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogDisposeFailed(_logger, ex, mount.Path);
        }
    }

    private IReadOnlyList<MountDefinition> ReadDefinitions()
    {
        (IReadOnlyList<MountDefinition> definitions, IReadOnlyList<MountDefinitionError> errors) = MountDefinitionReader.Read(_configuration);
        foreach (MountDefinitionError error in errors)
        {
            LogBadMount(_logger, error.Path, error.Message);
        }

        return definitions;
    }

    /// <summary>Waits, for at most the start wait in all, for constructors; logs each that has not returned.</summary>
    private void WaitForConstructors(List<(Mount Mount, Task Loading)> loading)
    {
        if (loading.Count == 0)
        {
            return;
        }

        Task.WaitAll([.. loading.Select(pair => pair.Loading)], _startWait);
        foreach ((Mount mount, Task task) in loading)
        {
            if (!task.IsCompleted)
            {
                LogStillStarting(_logger, mount.Path, _startWait.TotalSeconds);
            }
        }
    }

    /// <summary>
    /// Why a mount whose definition did not change is to be loaded again, or <see langword="null"/>:
    /// its DLL now holds another build than the one it loaded (or failed to load), or its file
    /// appeared. A file that went away leaves a running mount as it is (its plugin is in memory).
    /// </summary>
    private string? NewBuild(Mount mount)
    {
        if (mount.IsLoading || PluginBuild.Read(_factory.ResolvePath(mount.Definition)) is not { } now)
        {
            return null;
        }

        return mount.Build is not { } before ? "its file appeared"
            : !string.Equals(before.Hash, now.Hash, StringComparison.Ordinal) ? $"new build {now.ShortHash}"
            : null;
    }

    /// <summary>
    /// Creates a mount and starts its plugin's loading and constructor on a thread of its own. A
    /// mount replacing <paramref name="predecessor"/> continues its channel's history.
    /// </summary>
    private (Mount Mount, Task Loading) Load(MountDefinition definition, Mount? predecessor, bool rebuilding)
    {
        Mount mount = new(definition, _channels, _table.Streams, _metrics, _logger, _time, _activity, _cluster, _cors, predecessor?.Channel);
        mount.BeginLoading();
        Task loading = Task.Factory.StartNew(
            () => Construct(mount, rebuilding),
            CancellationToken.None,
            TaskCreationOptions.LongRunning | TaskCreationOptions.DenyChildAttach,
            TaskScheduler.Default);
        return (mount, loading);
    }

    /// <summary>
    /// Loads and constructs a mount's plugin (on its own thread); logs the result. A new build of
    /// a running mount that fails is logged as such: the running one keeps serving.
    /// </summary>
    private bool Construct(Mount mount, bool rebuilding)
    {
        MountDefinition definition = mount.Definition;
        string file = _factory.ResolvePath(definition);
        try
        {
            mount.Build = PluginBuild.Read(file);
            LoadedPlugin plugin = _factory.Create(mount, mount.Build);
            if (!mount.Attach(plugin))
            {
                // Replaced or removed while its constructor ran: it never serves.
                _ = mount.DisposeAsync(RetireTimeout);
                return false;
            }

            LogMounted(_logger, definition.Path, plugin.TypeName, plugin.Version, plugin.AssemblyPath);
            if (_directStreams && string.Join(", ", _admission.PoliciesOffTheFastLane(mount)) is { Length: > 0 } policies)
            {
                LogOffTheFastLane(_logger, definition.Path, policies);
            }
        }
        catch (PluginLoadException ex)
        {
            Failed(mount, file, ex.Message, rebuilding);
        }
#pragma warning disable CA1031 // A plugin's failure must not stop the host: log it against its mount.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Failed(mount, file, $"{ex.GetType().Name}: {ex.Message}", rebuilding);
        }

        return true;
    }

    private void Failed(Mount mount, string file, string cause, bool rebuilding)
    {
        mount.Fail(cause);
        if (rebuilding)
        {
            LogNewBuildFailed(_logger, mount.Path, file, cause);
        }
        else
        {
            LogLoadFailed(_logger, mount.Path, file, cause);
        }
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Error, Message = "Mount {Path} skipped: {Cause}")]
    private static partial void LogBadMount(ILogger logger, string path, string cause);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Mounted {Path} -> {Type} {Version} from {File}")]
    private static partial void LogMounted(ILogger logger, string path, string type, string version, string file);

    [LoggerMessage(EventId = 3, Level = LogLevel.Error, Message = "Mount {Path} failed to load plugin {File}: {Cause}")]
    private static partial void LogLoadFailed(ILogger logger, string path, string file, string cause);

    [LoggerMessage(EventId = 4, Level = LogLevel.Warning, Message = "No services are mounted: add entries under SseHost:Services in appsettings.json")]
    private static partial void LogNoMounts(ILogger logger);

    [LoggerMessage(EventId = 5, Level = LogLevel.Information, Message = "Reloaded mounts: {Summary}")]
    private static partial void LogReloaded(ILogger logger, string summary);

    [LoggerMessage(EventId = 7, Level = LogLevel.Error, Message = "Configuration not reloaded, the mounts stay as they were: cannot read {Problem}")]
    private static partial void LogReloadRefused(ILogger logger, string problem);

    [LoggerMessage(EventId = 9, Level = LogLevel.Warning, Message = "Mount {Path}: its plugin's constructor has not returned after {Seconds} s; the mount answers 503 until it does, the others serve")]
    private static partial void LogStillStarting(ILogger logger, string path, double seconds);

    [LoggerMessage(EventId = 14, Level = LogLevel.Information, Message = "Mount {Path}: its streams are served through ASP.NET Core, not straight off the connection: {Policies} can only be applied there")]
    private static partial void LogOffTheFastLane(ILogger logger, string path, string policies);

    [LoggerMessage(EventId = 16, Level = LogLevel.Error, Message = "Reloading the mounts failed; the mounts stay as they were")]
    private static partial void LogReloadFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 15, Level = LogLevel.Error, Message = "Mount {Path}: the new build of {File} failed to load, the running version keeps serving: {Cause}")]
    private static partial void LogNewBuildFailed(ILogger logger, string path, string file, string cause);

    [LoggerMessage(EventId = 6, Level = LogLevel.Error, Message = "Mount {Path}: the plugin threw while being disposed")]
    private static partial void LogDisposeFailed(ILogger logger, Exception exception, string path);
}
