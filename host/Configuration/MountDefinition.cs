using Microsoft.Extensions.Configuration;

namespace SsePluginHost.Configuration;

/// <summary>One entry of <c>SseHost:Services</c>: which plugin serves which path.</summary>
/// <param name="Path">The normalized mount path.</param>
/// <param name="Plugin">The plugin name: <c>plugins/Name/Name.dll</c>.</param>
/// <param name="AssemblyPath">An explicit DLL path, or <see langword="null"/>.</param>
/// <param name="TypeName">The service type to use when the DLL holds several, or <see langword="null"/>.</param>
/// <param name="Settings">The mount's <c>Settings</c> section, handed to the plugin.</param>
/// <param name="Delivery">The mount's delivery settings (history, retry, session grace, limit).</param>
/// <param name="Entry">The whole entry, to tell whether a reload changed it.</param>
internal sealed record MountDefinition(
    string Path,
    string Plugin,
    string? AssemblyPath,
    string? TypeName,
    IConfigurationSection Settings,
    MountSettings Delivery,
    IConfigurationSection Entry)
{
    /// <summary>The entry as sorted key=value lines, captured when the definition was read.</summary>
    public string SettingsSnapshot { get; init; } = Snapshot(Entry);

    /// <summary>Whether another definition loads the same plugin with the same settings.</summary>
    public bool IsSameAs(MountDefinition other) =>
        string.Equals(Path, other.Path, StringComparison.OrdinalIgnoreCase)
        && string.Equals(Plugin, other.Plugin, StringComparison.Ordinal)
        && string.Equals(AssemblyPath, other.AssemblyPath, StringComparison.Ordinal)
        && string.Equals(TypeName, other.TypeName, StringComparison.Ordinal)
        && string.Equals(SettingsSnapshot, other.SettingsSnapshot, StringComparison.Ordinal);

    private static string Snapshot(IConfigurationSection settings) =>
        string.Join('\n', settings.AsEnumerable(makePathsRelative: true)
            .OrderBy(pair => pair.Key, StringComparer.OrdinalIgnoreCase)
            .Select(pair => pair.Key + "=" + pair.Value));
}
