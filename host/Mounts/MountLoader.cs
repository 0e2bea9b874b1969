using SsePluginHost.Channels;
using SsePluginHost.Configuration;
using SsePluginHost.Diagnostics;
using SsePluginHost.Plugins;

namespace SsePluginHost.Mounts;

/// <summary>
/// Builds the mount table from configuration, at start and on reload: each mount is loaded on its
/// own, and one that fails is logged in one line (mount, file, cause) and answers 503, while the
/// rest serve. A reload keeps the mounts whose definition did not change (and their clients),
/// loads new and changed ones, and retires the old ones: their streams end with reason
/// <c>Shutdown</c> and the browsers reconnect to the new instance.
/// </summary>
internal sealed partial class MountLoader : IDisposable
{
    private static readonly TimeSpan RetireTimeout = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan SettleDelay = TimeSpan.FromMilliseconds(400);

    private readonly MountTable _table;
    private readonly PluginFactory _factory;
    private readonly IMountChannelFactory _channels;
    private readonly IConfiguration _configuration;
    private readonly ILogger<MountLoader> _logger;
    private readonly HostMetrics _metrics;
    private readonly Lock _reloadLock = new();
    private readonly Timer _settle;
    private volatile bool _reloadingFiles;

    public MountLoader(MountTable table, PluginFactory factory, IMountChannelFactory channels, IConfiguration configuration, HostMetrics metrics, ILogger<MountLoader> logger)
    {
        _channels = channels;
        _metrics = metrics;
        _table = table;
        _factory = factory;
        _configuration = configuration;
        _logger = logger;
        _settle = new Timer(_ => Reload(), null, Timeout.Infinite, Timeout.Infinite);
    }

    public void Dispose() => _settle.Dispose();

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

    public void LoadAll()
    {
        lock (_reloadLock)
        {
            IReadOnlyList<MountDefinition> definitions = ReadDefinitions();
            _table.Set(definitions.Select(Load));
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
            foreach (MountDefinition definition in definitions)
            {
                Mount? current = _table.Find(definition.Path);
                if (current is not null && current.Definition.IsSameAs(definition))
                {
                    next.Add(current);
                    continue;
                }

                next.Add(Load(definition));
                changes.Add((current is null ? "added " : "replaced ") + definition.Path);
            }

            HashSet<Mount> kept = [.. next];
            foreach (Mount old in _table.Mounts)
            {
                if (!kept.Contains(old))
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

    private Mount Load(MountDefinition definition)
    {
        Mount mount = new(definition, _channels, _table.Streams, _metrics, _logger);
        string file = _factory.ResolvePath(definition);
        try
        {
            LoadedPlugin plugin = _factory.Create(mount);
            mount.Attach(plugin);
            LogMounted(_logger, definition.Path, plugin.TypeName, plugin.Version, plugin.AssemblyPath);
        }
        catch (PluginLoadException ex)
        {
            mount.Fail(ex.Message);
            LogLoadFailed(_logger, definition.Path, file, ex.Message);
        }
#pragma warning disable CA1031 // A plugin's failure must not stop the host: log it against its mount.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            mount.Fail($"{ex.GetType().Name}: {ex.Message}");
            LogLoadFailed(_logger, definition.Path, file, $"{ex.GetType().Name}: {ex.Message}");
        }

        return mount;
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

    [LoggerMessage(EventId = 6, Level = LogLevel.Error, Message = "Mount {Path}: the plugin threw while being disposed")]
    private static partial void LogDisposeFailed(ILogger logger, Exception exception, string path);
}
