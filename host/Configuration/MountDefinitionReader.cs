using Microsoft.Extensions.Configuration;

namespace SsePluginHost.Configuration;

/// <summary>
/// Reads <c>SseHost:Services</c>: <c>"/path": "Plugin"</c> or
/// <c>"/path": { "Plugin": "Name", "Assembly": "file.dll", "Type": "Ns.Class", "Settings": { } }</c>.
/// Each entry is checked on its own, so one bad entry does not stop the others.
/// </summary>
internal static class MountDefinitionReader
{
    /// <summary>Paths under this prefix belong to the host itself.</summary>
    public const string ReservedPrefix = "/_host";

    public static (IReadOnlyList<MountDefinition> Mounts, IReadOnlyList<MountDefinitionError> Errors) Read(IConfiguration configuration)
    {
        List<MountDefinition> mounts = [];
        List<MountDefinitionError> errors = [];
        Dictionary<string, string> seen = new(StringComparer.OrdinalIgnoreCase);
        IConfigurationSection host = configuration.GetSection(SseHostOptions.SectionName);
        MountSettings defaults = host.GetSection(nameof(SseHostOptions.MountDefaults)).Get<MountSettings>() ?? new MountSettings();
        IConfigurationSection services = host.GetSection("Services");
        foreach (IConfigurationSection entry in services.GetChildren())
        {
            string raw = entry.Key;
            string? problem = CheckPath(raw, out string path);
            if (problem is not null)
            {
                errors.Add(new MountDefinitionError(raw, problem));
                continue;
            }

            if (seen.TryGetValue(path, out string? first))
            {
                errors.Add(new MountDefinitionError(raw, $"duplicate mount path: '{raw}' is the same path as '{first}'"));
                continue;
            }

            seen[path] = raw;
            string? plugin = entry.Value ?? entry["Plugin"];
            string? assembly = entry.Value is null ? entry["Assembly"] : null;
            string? typeName = entry.Value is null ? entry["Type"] : null;
            if (string.IsNullOrWhiteSpace(plugin) && string.IsNullOrWhiteSpace(assembly))
            {
                errors.Add(new MountDefinitionError(raw, "no plugin named: give \"Plugin\": \"Name\" (loads plugins/Name/Name.dll) or \"Assembly\": \"path/to/file.dll\""));
                continue;
            }

            MountSettings delivery = defaults.Clone();
            if (entry.Value is null)
            {
                try
                {
                    entry.Bind(delivery);
                    if (entry.GetSection(nameof(MountSettings.Auth)) is { } auth && auth.Exists())
                    {
                        // A mount's own Auth replaces the defaults' as a whole: binding over
                        // them would add its keys to theirs instead.
                        delivery.Auth = auth.Get<AuthSettings>() ?? new AuthSettings();
                    }

                    if (entry.GetSection(nameof(MountSettings.Cors)) is { } cors && cors.Exists())
                    {
                        delivery.Cors = cors.Get<CorsSettings>() ?? new CorsSettings();
                    }
                }
                catch (InvalidOperationException ex)
                {
                    errors.Add(new MountDefinitionError(raw, $"a delivery setting is not valid: {ex.Message}"));
                    continue;
                }
            }

            if (delivery.Validate() is { } invalid)
            {
                errors.Add(new MountDefinitionError(raw, invalid));
                continue;
            }

            plugin = string.IsNullOrWhiteSpace(plugin) ? System.IO.Path.GetFileNameWithoutExtension(assembly!) : plugin.Trim();
            mounts.Add(new MountDefinition(
                path,
                plugin,
                string.IsNullOrWhiteSpace(assembly) ? null : assembly.Trim(),
                string.IsNullOrWhiteSpace(typeName) ? null : typeName.Trim(),
                entry.GetSection("Settings"),
                delivery,
                entry));
        }

        return (mounts, errors);
    }

    /// <summary>Checks a mount path and returns its normalized form (no trailing slash but for <c>/</c>).</summary>
    public static string? CheckPath(string raw, out string path)
    {
        path = raw.Trim();
        if (path.Length == 0)
        {
            return "empty mount path: a mount path starts with '/', like \"/chat\"";
        }

        if (path[0] != '/')
        {
            return $"mount path '{raw}' does not start with '/': write \"/{path}\"";
        }

        if (path.AsSpan().IndexOfAny("?#\\ \t\r\n\0") >= 0 || path.Contains("//", StringComparison.Ordinal))
        {
            return $"mount path '{raw}' has a character a path cannot hold here ('?', '#', '\\', '//' or white space)";
        }

        if (path.Length > 1)
        {
            path = path.TrimEnd('/');
        }

        if (path.Equals(ReservedPrefix, StringComparison.OrdinalIgnoreCase)
            || path.StartsWith(ReservedPrefix + "/", StringComparison.OrdinalIgnoreCase))
        {
            return $"mount path '{raw}' is under {ReservedPrefix}/, which the host reserves for itself";
        }

        return null;
    }
}
