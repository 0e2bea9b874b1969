using System.Reflection;

namespace SsePluginHost.Tests.Infrastructure;

/// <summary>Where the built plugins and the built host executable are.</summary>
internal static class TestPaths
{
    /// <summary>The plugins built from plugins/ and tests/TestPlugins/, one folder each.</summary>
    public static string PluginsDirectory { get; } = Path.Combine(AppContext.BaseDirectory, "plugins");

    /// <summary>The host project's own build output, with its executable.</summary>
    public static string HostOutputDirectory { get; } =
        typeof(TestPaths).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(a => a.Key == "HostOutputDirectory").Value!;

    /// <summary>The checkout the tests were built from: the first folder above the host's build output that holds the solution.</summary>
    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    /// <summary>The host's native launcher.</summary>
    public static string HostExecutable => Path.Combine(HostOutputDirectory, OperatingSystem.IsWindows() ? "SsePluginHost.exe" : "SsePluginHost");

    /// <summary>Makes a new empty folder under the system's temp folder.</summary>
    public static string NewTempDirectory()
    {
        string path = Path.Combine(Path.GetTempPath(), "ssehost-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(path);
        return path;
    }

    /// <summary>Copies one built plugin's folder into another plugins folder.</summary>
    public static void CopyPlugin(string name, string pluginsDirectory)
    {
        string source = Path.Combine(PluginsDirectory, name);
        string target = Path.Combine(pluginsDirectory, name);
        Directory.CreateDirectory(target);
        foreach (string file in Directory.GetFiles(source))
        {
            File.Copy(file, Path.Combine(target, Path.GetFileName(file)), overwrite: true);
        }
    }

    private static string FindRepositoryRoot()
    {
        for (DirectoryInfo? folder = new(HostOutputDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "SsePluginHost.sln")))
            {
                return folder.FullName;
            }
        }

        throw new InvalidOperationException($"No SsePluginHost.sln above {HostOutputDirectory}.");
    }
}
