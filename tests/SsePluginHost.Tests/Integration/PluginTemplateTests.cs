using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using SsePluginHost.Tests.Infrastructure;
using Xunit.Abstractions;

namespace SsePluginHost.Tests.Integration;

/// <summary>
/// README.md's "A plugin in two minutes", as written, with a home folder of its own: the
/// section's first sh block run as one bash script from the checkout's folder (the contract
/// packed into a local feed, the <c>ssehost-plugin</c> template installed and a plugin made from
/// it, built against the package, the host published, the plugin mounted), the host started, the
/// two curl commands run, and the template's own test run against that host.
/// </summary>
/// <remarks>
/// The commands are read from README.md, so that the test and the README cannot drift apart.
/// What differs from a terminal: <c>HOME</c> is a temp folder (so <c>~/hello-plugin</c>, the
/// template hive and the packages folder a new user has are in it, and are deleted after), where
/// two NuGet files keep every restore off the network: the user's NuGet.Config, whose only
/// source is the packages this machine restored already and whose packages folder is that one
/// too (so that the checkout's own projects, packed and published here, restore as they were),
/// and a nuget.config in the home folder that gives the projects under it the new user's
/// packages folder (<c>~/.nuget/packages</c>), where the contract's package comes from the feed.
/// <c>localhost:3080</c> is <c>localhost:</c> a free port. The block's last line,
/// <c>host/SsePluginHost</c>, is started by the test, and stopped with SIGINT (Ctrl+C); the
/// script runs with <c>set -e</c> and a trace of each command with the second it started at.
/// Every process it starts is stopped by its PID.
/// </remarks>
[Collection(DotnetBuildsCollection.Name)]
public sealed partial class PluginTemplateTests(ITestOutputHelper output)
{
    private const string StartHost = "host/SsePluginHost";
    private const string ReadmeAddress = "localhost:3080";
    private static readonly TimeSpan ScriptTimeout = TimeSpan.FromSeconds(360);
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(240);
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_plugin_in_two_minutes_from_the_template_builds_serves_its_event_and_passes_its_own_test()
    {
        string[] blocks = ShellBlocks();
        Assert.Equal(4, blocks.Length);
        (string setup, string stream, string send, string test) = (blocks[0], blocks[1], blocks[2], blocks[3]);
        Assert.True(setup.EndsWith("\n" + StartHost + "\n", StringComparison.Ordinal), $"README.md: the first sh block does not end with {StartHost}:\n{setup}");
        setup = setup[..^(StartHost.Length + 1)];

        string home = TestPaths.NewTempDirectory();
        string work = Path.Combine(home, "hello-plugin");
        string packages = Path.Combine(home, ".nuget", "packages");
        string hostDirectory = Path.Combine(work, "host");
        string address = $"localhost:{FreePorts.Tcp()}";
        Dictionary<string, string?> environment = new()
        {
            ["HOME"] = home,

            // What would put the packages or the template hive elsewhere than the home folder.
            ["NUGET_PACKAGES"] = null,
            ["DOTNET_CLI_HOME"] = null,
        };
        WriteNuGetFiles(home, packages);

        RunningCommand? host = null;
        RunningCommand? curl = null;
        int[] left = [];
        Stopwatch total = Stopwatch.StartNew();
        try
        {
            // From the checkout's folder, in one bash script.
            Stopwatch elapsed = Stopwatch.StartNew();
            CommandRun script = await CommandRun.RunAsync("bash", TestPaths.RepositoryRoot, ScriptTimeout, environment, "-c",
                $"set -e\nPS4='+ [${{SECONDS}} s] '\nset -x\n{OnFreePort(setup, address)}");
            output.WriteLine(script.Report);
            Assert.True(script.ExitCode == 0, script.Report);
            output.WriteLine($"the first sh block, as one script: {elapsed.Elapsed.TotalSeconds:0.0} s");

            // What it made: the package in feed/, a plugin that references it from there and does not copy the contract, the host published with the plugin and the mount.
            Assert.True(File.Exists(Path.Combine(work, "feed", $"SsePluginHost.Abstractions.{ContractCopy.Version}.nupkg")), script.Report);
            string project = File.ReadAllText(Path.Combine(work, "Hello", "Hello", "Hello.csproj"));
            Assert.True(
                project.Contains($"""<PackageReference Include="SsePluginHost.Abstractions" Version="{ContractCopy.Version}" ExcludeAssets="runtime" />""", StringComparison.Ordinal),
                $"The template's plugin does not reference the contract's version {ContractCopy.Version} (ContractVersion in templates/ssehost-plugin/.template.config/template.json) with ExcludeAssets=\"runtime\":\n{project}");
            Assert.DoesNotMatch(@"\b[1-9]\d* Warning\(s\)", script.Output);
            string bin = Path.Combine(work, "Hello", "Hello", "bin", "Debug", "net10.0");
            Assert.True(File.Exists(Path.Combine(bin, "Hello.dll")), script.Report);
            Assert.False(File.Exists(Path.Combine(bin, "SsePluginHost.Abstractions.dll")), "The contract was copied into the plugin's output.");
            string metadata = File.ReadAllText(Path.Combine(packages, "ssepluginhost.abstractions", ContractCopy.Version, ".nupkg.metadata"));
            Assert.Equal(Path.Combine(work, "feed"), JsonDocument.Parse(metadata).RootElement.GetProperty("source").GetString());
            string hive = Path.Combine(home, ".templateengine", "packages.json");
            Assert.True(File.Exists(hive), "dotnet new install made no template hive in the home folder.");
            Assert.Contains(Path.Combine(TestPaths.RepositoryRoot, "templates", "ssehost-plugin"), File.ReadAllText(hive), StringComparison.Ordinal);
            Assert.True(File.Exists(Path.Combine(hostDirectory, "SsePluginHost")), script.Report);
            Assert.True(File.Exists(Path.Combine(hostDirectory, "plugins", "Hello", "Hello.dll")), script.Report);
            Assert.Contains($"\"Urls\": \"http://{address}\"", File.ReadAllText(Path.Combine(hostDirectory, "appsettings.json")), StringComparison.Ordinal);

            // The block's last line, in ~/hello-plugin.
            host = RunningCommand.Start("bash", work, "-c", "exec " + StartHost);
            output.WriteLine($"host PID {host.ProcessId}");
            await host.WaitForLineAsync(l => l.Contains("Mounted /hello -> Hello.HelloService", StringComparison.Ordinal), StartTimeout);
            await host.WaitForLineAsync(l => l.Contains($"Now listening on: http://{address}", StringComparison.Ordinal), StartTimeout);

            // In another terminal: what curl prints is what README.md says it prints, with its example session id.
            curl = RunningCommand.Start("bash", work, "-c", "exec " + OnFreePort(stream, address));
            IReadOnlyList<string> printed = await curl.WaitForLineAsync(l => l.StartsWith("data: Hello, ", StringComparison.Ordinal), StartTimeout);
            string[] expected = PrintedStream().TrimEnd('\n').Split('\n');
            Assert.Equal(2, expected.Count(l => l.StartsWith("data: ", StringComparison.Ordinal)));
            string exampleId = expected[1]["data: ".Length..];
            string sessionId = printed[1]["data: ".Length..];
            Assert.Equal([.. expected.Select(l => l.Replace(exampleId, sessionId, StringComparison.Ordinal))], printed);

            // In a third: it answers, and the message reaches the stream.
            await using (RunningCommand sent = RunningCommand.Start("bash", work, "-c", "exec " + OnFreePort(send, address)))
            {
                Assert.True(await sent.WaitForExitAsync(StartTimeout) == 0, sent.Report);
                Assert.Equal(["sent to 1"], sent.StandardOutput);
            }

            IReadOnlyList<string> all = await curl.WaitForLineAsync(l => l == "data: hi", StartTimeout);
            Assert.Equal("event: message", all[^2]);

            // Ctrl+C: the host stops, and the stream with it.
            await host.InterruptAsync();
            Assert.True(await host.WaitForExitAsync(StartTimeout) == 0, host.Report);
            Assert.True(await curl.WaitForExitAsync(StartTimeout) == 0, curl.Report);

            // Then, in ~/hello-plugin, the template's own test.
            elapsed.Restart();
            CommandRun tested = await CommandRun.RunAsync("bash", work, CommandTimeout, environment, "-c", $"set -e\n{test}");
            output.WriteLine(tested.Report);
            Assert.True(tested.ExitCode == 0, tested.Report);
            Assert.Matches(@"Passed!\s+- Failed:\s+0, Passed:\s+1,", tested.Output);
            output.WriteLine($"the template's test: {elapsed.Elapsed.TotalSeconds:0.0} s");
            output.WriteLine($"all of it: {total.Elapsed.TotalSeconds:0.0} s");
        }
        finally
        {
            if (curl is not null)
            {
                await curl.DisposeAsync();
            }

            if (host is not null)
            {
                await host.DisposeAsync();
            }

            // The template's test stops the host it started; one still running from this folder
            // is stopped here, by its PID, and fails the test.
            left = HostsStartedFrom(home);
            foreach (int pid in left)
            {
                try
                {
                    using Process leftover = Process.GetProcessById(pid);
                    leftover.Kill(entireProcessTree: true);
                    await leftover.WaitForExitAsync();
                }
                catch (ArgumentException)
                {
                    // It ended meanwhile.
                }
            }

            try
            {
                Directory.Delete(home, recursive: true);
            }
            catch (IOException)
            {
            }
        }

        Assert.True(left.Length == 0, $"Hosts were still running from {home}: PIDs {string.Join(", ", left)}.");
    }

    /// <summary>
    /// The packages this machine restored already (NuGet's global packages folder, a feed of its
    /// own): where the checkout's packages, the template's test packages and the contract's
    /// dependencies come from.
    /// </summary>
    private static string RestoredPackages =>
        Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } folder
            ? folder
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");

    /// <summary>
    /// The user's NuGet.Config in the home folder (the packages restored already, as the only
    /// source and as the packages folder of the checkout's projects), and a nuget.config above
    /// ~/hello-plugin that gives the projects there the new user's packages folder.
    /// </summary>
    private static void WriteNuGetFiles(string home, string packages)
    {
        string user = Path.Combine(home, ".nuget", "NuGet");
        Directory.CreateDirectory(user);
        File.WriteAllText(Path.Combine(user, "NuGet.Config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <config>
                <add key="globalPackagesFolder" value="{RestoredPackages}" />
              </config>
              <packageSources>
                <clear />
                <add key="restored" value="{RestoredPackages}" />
              </packageSources>
            </configuration>
            """);
        File.WriteAllText(Path.Combine(home, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <config>
                <add key="globalPackagesFolder" value="{packages}" />
              </config>
            </configuration>
            """);
    }

    /// <summary>A command of README.md with <c>localhost:3080</c>, which it must name, on the free port instead.</summary>
    private static string OnFreePort(string command, string address)
    {
        Assert.Contains(ReadmeAddress, command, StringComparison.Ordinal);
        return command.Replace(ReadmeAddress, address, StringComparison.Ordinal);
    }

    /// <summary>The section of README.md this test follows.</summary>
    private static string Section()
    {
        string readme = File.ReadAllText(Path.Combine(TestPaths.RepositoryRoot, "README.md")).ReplaceLineEndings("\n");
        Match section = SectionPattern().Match(readme);
        Assert.True(section.Success, "README.md has no section '### A plugin in two minutes'.");
        return section.Value;
    }

    /// <summary>The section's sh blocks, each as its text.</summary>
    private static string[] ShellBlocks() =>
        [.. CodeBlock().Matches(Section()).Where(m => m.Groups[1].Value == "sh").Select(m => m.Groups[2].Value)];

    /// <summary>What README.md says curl prints: the section's code block without a language.</summary>
    private static string PrintedStream() =>
        CodeBlock().Matches(Section()).Single(m => m.Groups[1].Value.Length == 0).Groups[2].Value;

    /// <summary>The PIDs of SsePluginHost processes whose executable is under the folder.</summary>
    private static int[] HostsStartedFrom(string folder)
    {
        List<int> pids = [];
        foreach (Process process in Process.GetProcessesByName("SsePluginHost"))
        {
            using (process)
            {
                try
                {
                    if (process.MainModule?.FileName?.StartsWith(folder, StringComparison.Ordinal) == true)
                    {
                        pids.Add(process.Id);
                    }
                }
                catch (Exception ex) when (ex is InvalidOperationException or System.ComponentModel.Win32Exception)
                {
                    // It ended meanwhile, or is not ours to read.
                }
            }
        }

        return [.. pids];
    }

    [GeneratedRegex(@"^### A plugin in two minutes\n.*?(?=^##)", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex SectionPattern();

    [GeneratedRegex(@"^```(\w*)\n(.*?)^```$", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex CodeBlock();
}
