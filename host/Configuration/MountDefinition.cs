using Microsoft.Extensions.Configuration;

namespace SsePluginHost.Configuration;

/// <summary>One entry of <c>SseHost:Services</c>: which plugin serves which path.</summary>
/// <param name="Path">The normalized mount path.</param>
/// <param name="Plugin">The plugin name: <c>plugins/Name/Name.dll</c>.</param>
/// <param name="AssemblyPath">An explicit DLL path, or <see langword="null"/>.</param>
/// <param name="TypeName">The service type to use when the DLL holds several, or <see langword="null"/>.</param>
/// <param name="Settings">The mount's <c>Settings</c> section, handed to the plugin.</param>
internal sealed record MountDefinition(
    string Path,
    string Plugin,
    string? AssemblyPath,
    string? TypeName,
    IConfigurationSection Settings);
