namespace SsePluginHost.Tests.Infrastructure;

/// <summary>
/// The two builds of the test plugin Reloadable (tests/PluginBuilds), built into
/// <c>plugin-builds/Reloadable.Build1/</c> and <c>…Build2/</c> beside the tests: the same
/// assembly name, another version (1.0.0, 2.0.0) and greeting (<c>build 1</c>, <c>build 2</c>).
/// </summary>
internal static class PluginBuilds
{
    /// <summary>The DLL of a build.</summary>
    public static string File(int build) =>
        Path.Combine(AppContext.BaseDirectory, "plugin-builds", $"Reloadable.Build{build}", "Reloadable.dll");

    /// <summary>Copies a build's output over <c>Reloadable/</c> in a plugins folder, file by file, as <c>cp</c> would.</summary>
    public static void Copy(int build, string plugins)
    {
        string target = Path.Combine(plugins, "Reloadable");
        Directory.CreateDirectory(target);
        foreach (string file in Directory.GetFiles(Path.GetDirectoryName(File(build))!))
        {
            System.IO.File.Copy(file, Path.Combine(target, Path.GetFileName(file)), overwrite: true);
        }
    }
}
