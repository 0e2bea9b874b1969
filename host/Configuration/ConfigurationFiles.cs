using System.Text.Json;
using Microsoft.Extensions.Configuration.Json;

namespace SsePluginHost.Configuration;

/// <summary>
/// Checks the JSON configuration files before a reload is applied: a file that is being edited
/// and is not valid JSON yet must not empty the mount table.
/// </summary>
internal static class ConfigurationFiles
{
    private static readonly JsonDocumentOptions Lenient = new()
    {
        CommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };

    /// <summary>Returns "file: error" for the first JSON file that cannot be read, or null.</summary>
    public static string? FindUnreadable(IConfiguration configuration)
    {
        if (configuration is not IConfigurationRoot root)
        {
            return null;
        }

        foreach (IConfigurationProvider provider in root.Providers)
        {
            if (provider is not JsonConfigurationProvider { Source: { FileProvider: { } files, Path: { } path } })
            {
                continue;
            }

            string? physical = files.GetFileInfo(path).PhysicalPath;
            if (physical is null || !File.Exists(physical))
            {
                continue;
            }

            try
            {
                using JsonDocument document = JsonDocument.Parse(File.ReadAllText(physical), Lenient);
            }
            catch (JsonException ex)
            {
                return $"{physical}: {ex.Message}";
            }
            catch (IOException ex)
            {
                return $"{physical}: {ex.Message}";
            }
        }

        return null;
    }

    /// <summary>
    /// Makes a JSON file that fails to parse on an automatic reload keep the host running (the
    /// reload is then refused by <see cref="FindUnreadable"/>) instead of throwing on the file
    /// watcher's thread. A file that is malformed at start still stops the host with a clear error.
    /// </summary>
    public static void IgnoreReloadErrors(IConfigurationBuilder builder)
    {
        foreach (FileConfigurationSource source in builder.Sources.OfType<FileConfigurationSource>())
        {
            source.OnLoadException = context => context.Ignore = true;
        }
    }
}
