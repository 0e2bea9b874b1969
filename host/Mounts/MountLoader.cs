using SsePluginHost.Configuration;
using SsePluginHost.Plugins;

namespace SsePluginHost.Mounts;

/// <summary>
/// Builds the mount table from configuration at start: each mount is loaded on its own, and one
/// that fails is logged in one line (mount, file, cause) and answers 503, while the rest serve.
/// </summary>
internal sealed partial class MountLoader
{
    private readonly MountTable _table;
    private readonly PluginFactory _factory;
    private readonly IConfiguration _configuration;
    private readonly ILogger<MountLoader> _logger;

    public MountLoader(MountTable table, PluginFactory factory, IConfiguration configuration, ILogger<MountLoader> logger)
    {
        _table = table;
        _factory = factory;
        _configuration = configuration;
        _logger = logger;
    }

    public void LoadAll()
    {
        (IReadOnlyList<MountDefinition> definitions, IReadOnlyList<MountDefinitionError> errors) = MountDefinitionReader.Read(_configuration);
        foreach (MountDefinitionError error in errors)
        {
            LogBadMount(_logger, error.Path, error.Message);
        }

        List<Mount> mounts = [];
        foreach (MountDefinition definition in definitions)
        {
            Mount mount = new(definition);
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

            mounts.Add(mount);
        }

        _table.Set(mounts);
        if (definitions.Count == 0)
        {
            LogNoMounts(_logger);
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
}
