using System.Diagnostics;
using System.Net.ServerSentEvents;
using System.Text.Json;
using System.Text.RegularExpressions;
using SsePluginHost.Tests.Infrastructure;
using Xunit.Abstractions;

namespace SsePluginHost.Tests.Integration;

/// <summary>
/// README.md's "A plugin in two minutes", command by command, in a temp folder outside the
/// repository: the contract packed into a local feed, the <c>ssehost-plugin</c> template
/// installed and a plugin made from it, built against the package, the host published, the
/// plugin mounted and served, and the template's own test run against that host.
/// </summary>
/// <remarks>
/// The commands README.md gives are read from it and must be exactly the ones this test knows;
/// most run as they are written, in bash. These differ, so that the test leaves the machine as
/// it was and stays within its time: the contract is packed from a copy of abstractions/ (not
/// in the checkout); <c>dotnet new</c> uses a template hive of its own
/// (<c>--debug:custom-hive</c>); a nuget.config above the folder restores into a packages folder
/// of its own, from the local feed and from the packages this machine restored already, never
/// from the network; the host is published from the tests' own build of it
/// (<c>-c Debug --no-build</c> instead of <c>-c Release</c>, which would build it again); and it
/// listens on a free port of 127.0.0.1 instead of 3080. Every process it starts is stopped by
/// its PID.
/// </remarks>
[Collection(DotnetBuildsCollection.Name)]
public sealed partial class PluginTemplateTests(ITestOutputHelper output)
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(240);
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_plugin_in_two_minutes_from_the_template_builds_serves_its_event_and_passes_its_own_test()
    {
        string work = TestPaths.NewTempDirectory();
        string hive = Path.Combine(work, ".template-hive");
        string packages = Path.Combine(work, ".packages");
        string hostDirectory = Path.Combine(work, "host");
        string configuration = new DirectoryInfo(TestPaths.HostOutputDirectory.TrimEnd('/', '\\')).Parent!.Name;
        using ContractCopy contract = ContractCopy.Create();
        File.WriteAllText(Path.Combine(work, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <config>
                <add key="globalPackagesFolder" value="{packages}" />
              </config>
              <packageSources>
                <clear />
                <add key="restored" value="{RestoredPackages}" />
              </packageSources>
            </configuration>
            """);

        HostProcess? host = null;
        SseStream? stream = null;
        int[] left = [];
        Uri? address = null;
        Stopwatch total = Stopwatch.StartNew();
        try
        {
            (string Command, Func<Task> Run)[] steps =
            [
                // The repository is the checkout the tests were built from; the empty folder is work.
                ("repo=$PWD", () => Task.CompletedTask),
                ("mkdir ~/hello-plugin && cd ~/hello-plugin", () => Task.CompletedTask),
                ("dotnet pack \"$repo/abstractions\" -c Release -o feed", async () =>
                {
                    await ShellAsync(work, contract.Root, "dotnet pack \"$repo/abstractions\" -c Release -o feed");
                    Assert.True(File.Exists(Path.Combine(work, "feed", $"SsePluginHost.Abstractions.{ContractCopy.Version}.nupkg")));
                }),
                ("dotnet new install \"$repo/templates/ssehost-plugin\"", () =>
                    ShellAsync(work, TestPaths.RepositoryRoot, $"dotnet new install \"$repo/templates/ssehost-plugin\" --debug:custom-hive '{hive}'")),
                ("dotnet new ssehost-plugin -n Hello", async () =>
                {
                    await ShellAsync(work, TestPaths.RepositoryRoot, $"dotnet new ssehost-plugin -n Hello --debug:custom-hive '{hive}'");
                    string project = File.ReadAllText(Path.Combine(work, "Hello", "Hello", "Hello.csproj"));
                    Assert.True(
                        project.Contains($"""<PackageReference Include="SsePluginHost.Abstractions" Version="{ContractCopy.Version}" ExcludeAssets="runtime" />""", StringComparison.Ordinal),
                        $"The template's plugin does not reference the contract's version {ContractCopy.Version} (ContractVersion in templates/ssehost-plugin/.template.config/template.json) with ExcludeAssets=\"runtime\":\n{project}");
                }),
                ("dotnet build Hello", async () =>
                {
                    CommandRun build = await ShellAsync(work, TestPaths.RepositoryRoot, "dotnet build Hello");
                    Assert.Contains(" 0 Warning(s)", build.Output, StringComparison.Ordinal);

                    // The plugin's output holds the plugin and not the contract, which came from the feed.
                    string bin = Path.Combine(work, "Hello", "Hello", "bin", "Debug", "net10.0");
                    Assert.True(File.Exists(Path.Combine(bin, "Hello.dll")), build.Report);
                    Assert.False(File.Exists(Path.Combine(bin, "SsePluginHost.Abstractions.dll")), "The contract was copied into the plugin's output.");
                    string metadata = File.ReadAllText(Path.Combine(packages, "ssepluginhost.abstractions", ContractCopy.Version, ".nupkg.metadata"));
                    Assert.Equal(Path.Combine(work, "feed"), JsonDocument.Parse(metadata).RootElement.GetProperty("source").GetString());
                }),
                ("dotnet publish \"$repo/host\" -c Release -o host", async () =>
                {
                    await ShellAsync(work, TestPaths.RepositoryRoot, $"dotnet publish \"$repo/host\" -c {configuration} --no-build -o host");
                    Assert.True(File.Exists(Path.Combine(hostDirectory, "SsePluginHost")));
                }),
                ("mkdir -p host/plugins/Hello && cp -r Hello/Hello/bin/Debug/net10.0/. host/plugins/Hello/", async () =>
                {
                    await ShellAsync(work, TestPaths.RepositoryRoot, "mkdir -p host/plugins/Hello && cp -r Hello/Hello/bin/Debug/net10.0/. host/plugins/Hello/");
                    Assert.True(File.Exists(Path.Combine(hostDirectory, "plugins", "Hello", "Hello.dll")));
                }),
                (AppsettingsCommand, () => ShellAsync(work, TestPaths.RepositoryRoot, AppsettingsCommand)),
                ("host/SsePluginHost", async () =>
                {
                    host = HostProcess.StartPublished(Path.Combine(hostDirectory, "SsePluginHost"), work, "--urls", "http://127.0.0.1:0");
                    output.WriteLine($"host PID {host.ProcessId}");
                    address = await host.WaitForAddressAsync(StartTimeout);
                    await host.WaitForOutputAsync(l => l.Contains("Mounted /hello -> Hello.HelloService", StringComparison.Ordinal), StartTimeout);
                }),
                ("curl -N -H 'Accept: text/event-stream' localhost:3080/hello", async () =>
                {
                    stream = await SseStream.OpenAsync(new Uri(address!, "/hello"));
                    SseItem<string> greeting = await stream.NextAsync();
                    Assert.Equal("greeting", greeting.EventType);
                    Assert.Equal($"Hello, {stream.SessionId}", greeting.Data);

                    // What README.md says curl prints, with its example session id.
                    string printed = PrintedStream();
                    string exampleId = Regex.Match(printed, "^event: session-id\ndata: (.+)$", RegexOptions.Multiline).Groups[1].Value;
                    Assert.Equal(
                        $"event: session-id\ndata: {exampleId}\n\nretry: {stream.ReconnectionInterval!.Value.TotalMilliseconds}\n\nevent: greeting\ndata: Hello, {exampleId}\n",
                        printed);
                }),
                ("curl 'localhost:3080/hello?text=hi'", async () =>
                {
                    using HttpClient http = new();
                    Assert.Equal("sent to 1", await http.GetStringAsync(new Uri(address!, "/hello?text=hi")));
                    SseItem<string> message = await stream!.NextAsync();
                    Assert.Equal(("message", "hi"), (message.EventType, message.Data));

                    // Ctrl+C, as README.md says before the next command.
                    await host!.TerminateAsync();
                    Assert.Equal(0, await host.WaitForExitAsync(StartTimeout));
                    await stream.WaitForEndAsync();
                }),
                ("SSEHOST_DIR=$PWD/host dotnet test Hello", async () =>
                {
                    CommandRun test = await ShellAsync(work, TestPaths.RepositoryRoot, "SSEHOST_DIR=$PWD/host dotnet test Hello");
                    Assert.Matches(@"Passed!\s+- Failed:\s+0, Passed:\s+1,", test.Output);
                }),
            ];

            Assert.Equal(steps.Select(s => s.Command), ReadmeCommands());
            foreach ((string command, Func<Task> run) in steps)
            {
                Stopwatch elapsed = Stopwatch.StartNew();
                await run();
                output.WriteLine($"$ {command}\n  ({elapsed.Elapsed.TotalSeconds:0.0} s)");
            }

            output.WriteLine($"all steps: {total.Elapsed.TotalSeconds:0.0} s");
        }
        finally
        {
            if (stream is not null)
            {
                await stream.DisposeAsync();
            }

            if (host is not null)
            {
                await host.DisposeAsync();
            }

            // The template's test stops the host it started; one still running from this folder
            // is stopped here, by its PID, and fails the test.
            left = HostsStartedFrom(work);
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
                Directory.Delete(work, recursive: true);
            }
            catch (IOException)
            {
            }
        }

        Assert.True(left.Length == 0, $"Hosts were still running from {work}: PIDs {string.Join(", ", left)}.");
    }

    private const string AppsettingsCommand = """
        cat > host/appsettings.json <<'EOF'
        {
          "Logging": { "LogLevel": { "Default": "Information", "Microsoft.AspNetCore": "Warning" } },
          "Urls": "http://localhost:3080",
          "SseHost": { "Services": { "/hello": "Hello" } }
        }
        EOF
        """;

    /// <summary>
    /// The packages this machine restored already (NuGet's global packages folder, a feed of its
    /// own): where the template's test packages and the contract's dependencies come from.
    /// </summary>
    private static string RestoredPackages =>
        Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } folder
            ? folder
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");

    /// <summary>Runs one command in bash in the folder, with <c>$repo</c> set; fails the test unless it exits 0.</summary>
    private async Task<CommandRun> ShellAsync(string folder, string repo, string command)
    {
        CommandRun run = await CommandRun.RunAsync("bash", folder, CommandTimeout, "-c", $"set -e\nrepo='{repo}'\n{command}");
        output.WriteLine(run.Report);
        Assert.True(run.ExitCode == 0, run.Report);
        return run;
    }

    /// <summary>The section of README.md this test follows.</summary>
    private static string Section()
    {
        string readme = File.ReadAllText(Path.Combine(TestPaths.RepositoryRoot, "README.md")).ReplaceLineEndings("\n");
        Match section = SectionPattern().Match(readme);
        Assert.True(section.Success, "README.md has no section '### A plugin in two minutes'.");
        return section.Value;
    }

    /// <summary>The section's shell commands, one a line, a here-document with its lines.</summary>
    private static List<string> ReadmeCommands()
    {
        List<string> commands = [];
        foreach (Match block in CodeBlock().Matches(Section()).Where(m => m.Groups[1].Value == "sh"))
        {
            string[] lines = block.Groups[2].Value.TrimEnd('\n').Split('\n');
            for (int i = 0; i < lines.Length; i++)
            {
                if (!lines[i].EndsWith("<<'EOF'", StringComparison.Ordinal))
                {
                    commands.Add(lines[i]);
                    continue;
                }

                int end = Array.IndexOf(lines, "EOF", i);
                Assert.True(end > i, $"README.md: the here-document of '{lines[i]}' has no EOF line.");
                commands.Add(string.Join('\n', lines[i..(end + 1)]));
                i = end;
            }
        }

        return commands;
    }

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
