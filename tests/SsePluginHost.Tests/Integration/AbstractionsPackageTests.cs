using System.IO.Compression;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using SsePluginHost.Tests.Infrastructure;
using Xunit.Abstractions;

namespace SsePluginHost.Tests.Integration;

/// <summary>
/// <c>dotnet pack abstractions -c Release -o nupkg</c>, as README.md gives it, run on a copy of the
/// contract: the NuGet package a plugin outside the repository builds against.
/// </summary>
[Collection(DotnetBuildsCollection.Name)]
public sealed partial class AbstractionsPackageTests(AbstractionsPackageTests.Packed packed, ITestOutputHelper output)
    : IClassFixture<AbstractionsPackageTests.Packed>
{
    private static readonly TimeSpan BuildTimeout = TimeSpan.FromSeconds(120);

    [Fact]
    public void Dotnet_pack_gives_SsePluginHost_Abstractions_of_its_project_version_with_the_dll_its_xml_docs_and_its_readme()
    {
        string package = packed.RequirePackage(output);
        using ZipArchive zip = ZipFile.OpenRead(package);
        string[] entries = [.. zip.Entries.Select(e => e.FullName)];
        output.WriteLine(string.Join('\n', entries));

        Assert.Contains("lib/net10.0/SsePluginHost.Abstractions.dll", entries);
        Assert.Contains("lib/net10.0/SsePluginHost.Abstractions.xml", entries);
        Assert.Contains("README.md", entries);
        Assert.DoesNotContain(entries, e => e.StartsWith("analyzers/", StringComparison.Ordinal));

        // The docs of every public type the API files record (the last release's and those added
        // since), and the README as it is in the repository.
        string docs = Read(zip, "lib/net10.0/SsePluginHost.Abstractions.xml");
        string[] types = PublicTypes();
        Assert.Superset(
            new HashSet<string>(["ISseService", "ISseMount", "ISseClient", "SseServiceBase", "SseEvent", "SseRequest", "SseResponse", "SseDisconnectReason",
                "SseServiceContext", "SseTopics", "SseBroadcastReceipt"]),
            new HashSet<string>(types));
        foreach (string type in types)
        {
            Assert.Contains($"\"T:SsePluginHost.Abstractions.{type}\"", docs, StringComparison.Ordinal);
        }

        Assert.Equal(File.ReadAllText(Path.Combine(ContractCopy.SourceDirectory, "README.md")), Read(zip, "README.md"));

        // The metadata; the analyzers the contract is built with are not a dependency of plugins.
        XElement metadata = XDocument.Parse(Read(zip, "SsePluginHost.Abstractions.nuspec")).Root!.Elements().Single(e => e.Name.LocalName == "metadata");
        string Field(string name) => metadata.Elements().Single(e => e.Name.LocalName == name).Value;
        Assert.Equal("SsePluginHost.Abstractions", Field("id"));
        Assert.Equal(ContractCopy.Version, Field("version"));
        Assert.Equal("SsePluginHost", Field("authors"));
        Assert.Equal("MIT", Field("license"));
        Assert.Equal("README.md", Field("readme"));
        Assert.Contains("service plugins", Field("description"), StringComparison.Ordinal);
        Assert.Contains("server-sent-events", Field("tags").Split(' '));
        Assert.Equal("git", metadata.Elements().Single(e => e.Name.LocalName == "repository").Attribute("type")?.Value);
        Assert.DoesNotContain("PublicApiAnalyzers", metadata.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_plugin_example_of_the_package_README_builds_against_the_package_without_a_copy_of_the_contract()
    {
        string package = packed.RequirePackage(output);
        string readme = File.ReadAllText(Path.Combine(ContractCopy.SourceDirectory, "README.md"));
        string code = CodeBlock().Matches(readme).Single(m => m.Groups[1].Value == "csharp").Groups[2].Value;
        string project = CodeBlock().Matches(readme).Single(m => m.Groups[1].Value == "xml").Groups[2].Value;

        // The plugin in a folder of its own, its only package source the folder the package is in.
        string root = TestPaths.NewTempDirectory();
        try
        {
            string hello = Path.Combine(root, "Hello");
            Directory.CreateDirectory(hello);
            File.WriteAllText(Path.Combine(hello, "HelloService.cs"), code);
            File.WriteAllText(Path.Combine(hello, "Hello.csproj"), project);
            File.WriteAllText(Path.Combine(root, "nuget.config"), $"""
                <?xml version="1.0" encoding="utf-8"?>
                <configuration>
                  <config>
                    <add key="globalPackagesFolder" value="{Path.Combine(root, "packages")}" />
                  </config>
                  <packageSources>
                    <clear />
                    <add key="contract" value="{Path.GetDirectoryName(package)}" />
                    <add key="restored" value="{RestoredPackages}" />
                  </packageSources>
                </configuration>
                """);

            CommandRun build = await CommandRun.DotnetAsync(root, BuildTimeout, "build", "Hello", "-warnaserror", "-p:TreatWarningsAsErrors=true");
            output.WriteLine(build.Report);
            Assert.True(build.ExitCode == 0, build.Report);

            // The plugin's output holds the plugin and not the contract, which the host shares.
            string bin = Path.Combine(hello, "bin", "Debug", "net10.0");
            Assert.True(File.Exists(Path.Combine(bin, "Hello.dll")), build.Report);
            Assert.False(File.Exists(Path.Combine(bin, "SsePluginHost.Abstractions.dll")), "The contract was copied into the plugin's output.");
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    /// <summary>
    /// The packages this machine restored already (NuGet's global packages folder, which is a feed
    /// of its own): where the contract's own dependencies, Microsoft.Extensions' abstractions,
    /// come from; the contract itself comes only from the package made here.
    /// </summary>
    private static string RestoredPackages =>
        Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } folder
            ? folder
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");

    /// <summary>The public types abstractions/PublicAPI.Shipped.txt and PublicAPI.Unshipped.txt record (a line that is a type's name alone).</summary>
    private static string[] PublicTypes() =>
        [.. new[] { "PublicAPI.Shipped.txt", "PublicAPI.Unshipped.txt" }
            .SelectMany(file => File.ReadAllLines(Path.Combine(ContractCopy.SourceDirectory, file)))
            .Select(line => TypeLine().Match(line))
            .Where(match => match.Success)
            .Select(match => match.Groups[1].Value)
            .Distinct(StringComparer.Ordinal)];

    private static string Read(ZipArchive zip, string entry)
    {
        using StreamReader reader = new(zip.GetEntry(entry)!.Open());
        return reader.ReadToEnd();
    }

    [GeneratedRegex(@"^```(\w+)\n(.*?)^```$", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex CodeBlock();

    [GeneratedRegex(@"^SsePluginHost\.Abstractions\.(\w+)$")]
    private static partial Regex TypeLine();

    /// <summary>The contract packed once for these tests, by the command README.md gives.</summary>
    public sealed class Packed : IAsyncLifetime
    {
        private ContractCopy? _copy;

        internal CommandRun? Pack { get; private set; }

        public string OutputDirectory => Path.Combine(_copy!.Root, "nupkg");

        public async Task InitializeAsync()
        {
            _copy = ContractCopy.Create();
            Pack = await CommandRun.DotnetAsync(_copy.Root, BuildTimeout, "pack", "abstractions", "-c", "Release", "-o", "nupkg");
        }

        /// <summary>Fails the test unless the pack succeeded; returns the package's path.</summary>
        internal string RequirePackage(ITestOutputHelper output)
        {
            output.WriteLine(Pack!.Report);
            Assert.True(Pack.ExitCode == 0, Pack.Report);
            string package = Path.Combine(OutputDirectory, $"SsePluginHost.Abstractions.{ContractCopy.Version}.nupkg");
            Assert.True(File.Exists(package), $"No {package}.\n{Pack.Report}");
            return package;
        }

        public Task DisposeAsync()
        {
            _copy?.Dispose();
            return Task.CompletedTask;
        }
    }
}
