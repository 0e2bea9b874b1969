using System.Reflection;
using McMaster.NETCore.Plugins;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using SsePluginHost.Abstractions;
using SsePluginHost.Configuration;
using SsePluginHost.Mounts;

namespace SsePluginHost.Plugins;

/// <summary>
/// Loads a mount's plugin DLL into its own collectible load context (sharing the contract's types
/// with the host), picks its <see cref="ISseService"/> type and creates the instance. The
/// assemblies are read into memory, so the files are never locked: a new build can be copied over
/// them while the old one runs, and the old context unloads once its mount is disposed.
/// </summary>
internal sealed class PluginFactory
{
    private static readonly Type[] SharedTypes =
    [
        typeof(ISseService),
        typeof(IConfiguration),
        typeof(ILogger),
        typeof(IServiceProvider),
    ];

    private readonly ILoggerFactory _loggerFactory;
    private readonly TimeProvider _time;
    private readonly string _pluginsRoot;

    public PluginFactory(ILoggerFactory loggerFactory, IOptions<SseHostOptions> options, IHostEnvironment environment, TimeProvider time)
    {
        _loggerFactory = loggerFactory;
        _time = time;
        _pluginsRoot = System.IO.Path.GetFullPath(options.Value.PluginsPath, environment.ContentRootPath);
    }

    /// <summary>The file a mount's plugin is loaded from.</summary>
    public string ResolvePath(MountDefinition definition) =>
        definition.AssemblyPath is { } explicitPath
            ? System.IO.Path.GetFullPath(explicitPath, _pluginsRoot)
            : System.IO.Path.Combine(_pluginsRoot, definition.Plugin, definition.Plugin + ".dll");

    /// <summary>The plugins folder, as a full path.</summary>
    public string PluginsRoot => _pluginsRoot;

    /// <summary>Loads and creates the plugin for a mount.</summary>
    /// <param name="mount">The mount.</param>
    /// <param name="build">The build its file holds, as read just before (<see langword="null"/>: no file).</param>
    /// <exception cref="PluginLoadException">The file is missing or broken, the type cannot be chosen, or its constructor threw.</exception>
    public LoadedPlugin Create(Mount mount, PluginBuild? build)
    {
        MountDefinition definition = mount.Definition;
        string path = ResolvePath(definition);
        if (build is null)
        {
            throw new PluginLoadException($"plugin file not found: {path}");
        }

        PluginLoader loader = PluginLoader.CreateFromAssemblyFile(path, SharedTypes, config =>
        {
            config.PreferSharedTypes = true;
            config.IsUnloadable = true;
            config.LoadInMemory = true;
        });
        ServiceProvider? services = null;
        CancellationTokenSource life = new();
        try
        {
            Assembly assembly;
            try
            {
                assembly = loader.LoadDefaultAssembly();
            }
            catch (BadImageFormatException ex)
            {
                throw new PluginLoadException($"not a .NET assembly: {ex.Message}", ex);
            }
            catch (FileLoadException ex)
            {
                throw new PluginLoadException($"cannot load the assembly: {ex.Message}", ex);
            }

            string? tooNew = ContractVersion.Refusal(assembly.GetName().Name ?? definition.Plugin, ContractVersion.ReferencedBy(assembly), ContractVersion.Host);
            if (tooNew is not null)
            {
                throw new PluginLoadException(tooNew);
            }

            Type type = ChooseType(assembly, definition.TypeName);
            services = Services(type, mount, definition, life.Token);
            ISseService service = Instantiate(type, services);
            Start(service, type, life.Token);
            string version = assembly.GetName().Version?.ToString() ?? "0.0.0.0";
            return new LoadedPlugin(service, path, version, loader, build, _time.GetUtcNow(), services, life);
        }
        catch
        {
            life.Cancel();
            life.Dispose();
            services?.Dispose();
            loader.Dispose();
            throw;
        }
    }

    private static Type ChooseType(Assembly assembly, string? typeName)
    {
        Type[] types;
        try
        {
            types = assembly.GetExportedTypes();
        }
        catch (ReflectionTypeLoadException ex)
        {
            types = [.. ex.Types.OfType<Type>()];
        }
        catch (Exception ex) when (ex is FileNotFoundException or FileLoadException or TypeLoadException)
        {
            throw new PluginLoadException($"cannot read the types of {assembly.GetName().Name}: {ex.Message}", ex);
        }

        Type[] services = [.. types.Where(t => t.IsClass && !t.IsAbstract && typeof(ISseService).IsAssignableFrom(t))];
        if (typeName is not null)
        {
            Type? named = services.FirstOrDefault(t => t.FullName == typeName)
                ?? services.FirstOrDefault(t => t.Name == typeName);
            return named ?? throw new PluginLoadException(
                $"no public ISseService type named '{typeName}' in {assembly.GetName().Name}; it has: {Describe(services)}");
        }

        return services.Length switch
        {
            0 => throw new PluginLoadException(
                $"no public class implementing ISseService in {assembly.GetName().Name} (does it reference SsePluginHost.Abstractions?)"),
            1 => services[0],
            _ => throw new PluginLoadException(
                $"several ISseService types in {assembly.GetName().Name} ({Describe(services)}): name one with \"Type\" in the mount"),
        };
    }

    /// <summary>What a plugin's constructor may ask for; it lives as long as the plugin.</summary>
    private ServiceProvider Services(Type type, Mount mount, MountDefinition definition, CancellationToken stopping)
    {
        ILogger logger = _loggerFactory.CreateLogger(type.FullName ?? type.Name);
        ServiceCollection services = new();
        services.AddSingleton<ISseMount>(mount);
        services.AddSingleton<IConfiguration>(definition.Settings);
        services.AddSingleton(_loggerFactory);
        services.AddSingleton(typeof(ILogger<>), typeof(Logger<>));
        services.AddSingleton(logger);
        services.AddSingleton(_time);
        services.AddSingleton(new SseServiceContext(mount, definition.Settings, logger, _time, stopping));
        return services.BuildServiceProvider();
    }

    /// <summary>Runs the service's <see cref="ISseService.StartAsync"/> to its end, on the loading thread (the mount serves once it completed).</summary>
    private static void Start(ISseService service, Type type, CancellationToken stopping)
    {
        try
        {
            service.StartAsync(stopping).AsTask().GetAwaiter().GetResult();
        }
        catch (Exception ex) when (ex is not PluginLoadException)
        {
            throw new PluginLoadException($"StartAsync of {type.FullName} threw {ex.GetType().Name}: {ex.Message}", ex);
        }
    }

    private static ISseService Instantiate(Type type, ServiceProvider provider)
    {
        ObjectFactory factory;
        try
        {
            factory = ActivatorUtilities.CreateFactory(type, Type.EmptyTypes);
        }
        catch (InvalidOperationException ex)
        {
            throw new PluginLoadException($"cannot construct {type.FullName}: {ex.Message}", ex);
        }

        try
        {
            return (ISseService)factory(provider, null);
        }
        catch (Exception ex)
        {
            Exception cause = ex is TargetInvocationException { InnerException: { } inner } ? inner : ex;
            throw new PluginLoadException(
                $"the constructor of {type.FullName} threw {cause.GetType().Name}: {cause.Message}", cause);
        }
    }

    private static string Describe(IEnumerable<Type> types)
    {
        string list = string.Join(", ", types.Select(t => t.FullName));
        return list.Length == 0 ? "none" : list;
    }
}
