using McMaster.NETCore.Plugins;
using SsePluginHost.Abstractions;

namespace SsePluginHost.Plugins;

/// <summary>A plugin instance with the build it came from and the loader that holds its assemblies.</summary>
/// <param name="Service">The service instance.</param>
/// <param name="AssemblyPath">The DLL it was loaded from.</param>
/// <param name="Version">The DLL's version.</param>
/// <param name="Loader">The loader (one collectible load context per mount).</param>
/// <param name="Build">The DLL's content as it was loaded: its hash is part of the mount's identity.</param>
/// <param name="LoadedAt">When it was loaded.</param>
/// <param name="Services">What the plugin's constructor was given (kept for the plugin's life, disposed after it).</param>
/// <param name="Life">Cancelled when the instance is being stopped (<see cref="SseServiceContext.Stopping"/>).</param>
internal sealed record LoadedPlugin(ISseService Service, string AssemblyPath, string Version, PluginLoader Loader, PluginBuild Build,
    DateTimeOffset LoadedAt, IDisposable Services, CancellationTokenSource Life)
{
    /// <summary>The service type's full name.</summary>
    public string TypeName => Service.GetType().FullName ?? Service.GetType().Name;

    /// <summary>The name of the plugin's assembly.</summary>
    public string AssemblyName => System.IO.Path.GetFileNameWithoutExtension(AssemblyPath);
}
