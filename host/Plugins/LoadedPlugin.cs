using McMaster.NETCore.Plugins;
using SsePluginHost.Abstractions;

namespace SsePluginHost.Plugins;

/// <summary>A plugin instance with the file it came from and the loader that holds its assemblies.</summary>
/// <param name="Service">The service instance.</param>
/// <param name="AssemblyPath">The DLL it was loaded from.</param>
/// <param name="Version">The DLL's version.</param>
/// <param name="Loader">The loader (one load context per mount).</param>
internal sealed record LoadedPlugin(ISseService Service, string AssemblyPath, string Version, PluginLoader Loader)
{
    /// <summary>The service type's full name.</summary>
    public string TypeName => Service.GetType().FullName ?? Service.GetType().Name;
}
