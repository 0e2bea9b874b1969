using System.Reflection;
using SsePluginHost.Abstractions;

namespace SsePluginHost.Plugins;

/// <summary>
/// Which version of the plugin contract (<c>SsePluginHost.Abstractions</c>) a plugin was built
/// against, checked before any of its types is touched: one built against a newer major version
/// than the host's is refused with a message that says so, rather than failing later with a
/// <c>MissingMethodException</c> in the middle of serving. Older versions, and newer minor ones of
/// the same major (which only add members), load.
/// </summary>
internal static class ContractVersion
{
    /// <summary>The contract's assembly name.</summary>
    public static readonly string AssemblyName = typeof(ISseService).Assembly.GetName().Name!;

    /// <summary>The version of the contract this host carries.</summary>
    public static Version Host { get; } = typeof(ISseService).Assembly.GetName().Version ?? new Version(1, 0, 0, 0);

    /// <summary>The contract version <paramref name="plugin"/> references, or <see langword="null"/> when it references none.</summary>
    public static Version? ReferencedBy(Assembly plugin)
    {
        ArgumentNullException.ThrowIfNull(plugin);
        return plugin.GetReferencedAssemblies()
            .FirstOrDefault(reference => string.Equals(reference.Name, AssemblyName, StringComparison.OrdinalIgnoreCase))?.Version;
    }

    /// <summary>Why a plugin built against <paramref name="built"/> cannot run on a host with <paramref name="host"/>, or <see langword="null"/> when it can.</summary>
    public static string? Refusal(string pluginName, Version? built, Version host)
    {
        ArgumentNullException.ThrowIfNull(host);
        return built is not null && built.Major > host.Major
            ? $"{pluginName} was built against {AssemblyName} {built.ToString(3)}, a newer major version than this host's {host.ToString(3)}: " +
              $"run it on a host with contract {built.Major}.x, or build it against {host.Major}.x"
            : null;
    }
}
