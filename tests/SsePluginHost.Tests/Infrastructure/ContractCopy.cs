namespace SsePluginHost.Tests.Infrastructure;

/// <summary>
/// A copy of the contract's project (abstractions/ without bin/ and obj/, and the build settings
/// of the repository's root beside it) in a temp folder, to pack or build there, or to change and
/// see what the build says, without touching the checkout. Disposing deletes it.
/// </summary>
internal sealed class ContractCopy : IDisposable
{
    private static readonly string[] RootBuildFiles = ["Directory.Build.props", "Directory.Build.targets", ".editorconfig", "global.json"];

    private ContractCopy(string root)
    {
        Root = root;
    }

    /// <summary>The folder holding the copy's abstractions/ and build settings.</summary>
    public string Root { get; }

    /// <summary>The copy of abstractions/.</summary>
    public string ProjectDirectory => Path.Combine(Root, "abstractions");

    /// <summary>The checkout's abstractions/, where pack.sh is.</summary>
    public static string SourceDirectory => Path.Combine(TestPaths.RepositoryRoot, "abstractions");

    /// <summary>The version the checkout's contract ships as next (<c>Version</c> in its project file).</summary>
    public static string Version => ProjectProperty("Version");

    /// <summary>The last release's version (<c>ContractBaselineVersion</c> in the project file).</summary>
    public static string BaselineVersion => ProjectProperty("ContractBaselineVersion");

    /// <summary>The last release's commit (<c>ContractBaselineCommit</c> in the project file).</summary>
    public static string BaselineCommit => ProjectProperty("ContractBaselineCommit");

    private static string ProjectProperty(string name)
    {
        string project = File.ReadAllText(Path.Combine(SourceDirectory, "SsePluginHost.Abstractions.csproj"));
        System.Text.RegularExpressions.Match match = System.Text.RegularExpressions.Regex.Match(project, $"<{name}>([^<]+)</{name}>");
        Assert.True(match.Success, $"No {name} in SsePluginHost.Abstractions.csproj.");
        return match.Groups[1].Value;
    }

    public static ContractCopy Create()
    {
        string root = TestPaths.NewTempDirectory();
        foreach (string name in RootBuildFiles)
        {
            string file = Path.Combine(TestPaths.RepositoryRoot, name);
            if (File.Exists(file))
            {
                File.Copy(file, Path.Combine(root, name));
            }
        }

        CopyFolder(SourceDirectory, Path.Combine(root, "abstractions"));
        return new ContractCopy(root);
    }

    /// <summary>Changes one file of the copy by replacing text that must be in it once.</summary>
    public void Replace(string fileName, string oldText, string newText)
    {
        string path = Path.Combine(ProjectDirectory, fileName);
        string text = File.ReadAllText(path);
        int at = text.IndexOf(oldText, StringComparison.Ordinal);
        Assert.True(at >= 0 && text.IndexOf(oldText, at + 1, StringComparison.Ordinal) < 0, $"'{oldText}' is not in {fileName} exactly once.");
        File.WriteAllText(path, text.Replace(oldText, newText, StringComparison.Ordinal));
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static void CopyFolder(string source, string target)
    {
        Directory.CreateDirectory(target);
        foreach (string file in Directory.GetFiles(source))
        {
            File.Copy(file, Path.Combine(target, Path.GetFileName(file)));
        }

        foreach (string folder in Directory.GetDirectories(source))
        {
            string name = Path.GetFileName(folder);
            if (name is not ("bin" or "obj"))
            {
                CopyFolder(folder, Path.Combine(target, name));
            }
        }
    }
}
