using System.Net;
using Microsoft.Extensions.DependencyInjection;
using SsePluginHost.Operator;
using SsePluginHost.Plugins;
using SsePluginHost.Tests.Infrastructure;

namespace SsePluginHost.Tests.Integration;

/// <summary>
/// New builds of a plugin while the host runs: the test plugin Reloadable, built twice
/// (tests/PluginBuilds), copied into a plugins folder of the test's own, and replaced there as an
/// operator would — over the file, by rename, with a broken file, or a file that was missing.
/// The host sees the change by itself (notified by the file system) or on <c>reload</c>.
/// The old instance is stopped and disposed once its clients have left; a stream request it still
/// holds as its mount is retired ends without being served by it.
/// </summary>
public sealed class PluginHotReloadTests
{
    private const string Services = """{ "/r": { "Plugin": "Reloadable" } }""";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task A_new_build_copied_over_the_file_serves_within_seconds_and_a_client_that_reconnects_with_its_last_event_id_misses_nothing()
    {
        string plugins = PluginsFolder(build: 1);
        await using TestHost host = await TestHost.StartAsync(Services, PluginsPath(plugins));
        string lastSeen;
        await using (SseStream first = await host.OpenStreamAsync("/r"))
        {
            Assert.Equal("build 1 1.0.0.0", (await first.NextAsync("build")).Data);
            host.Broadcast("/r", "n", "1");
            host.Broadcast("/r", "n", "2");
            lastSeen = (await first.NextAsync("n")).EventId!;

            PluginBuilds.Copy(2, plugins);

            // Its mount is replaced: the stream ends, so that the browser reconnects to the new build.
            await first.WaitForEndAsync(Patience);
        }

        await host.Logs.WaitForAsync(l => l.Contains("Reloaded mounts: replaced /r (new build ", StringComparison.Ordinal), Patience);
        host.Broadcast("/r", "n", "3");
        await using SseStream again = await host.OpenStreamAsync("/r", new Dictionary<string, string> { ["Last-Event-ID"] = lastSeen });

        // The replay (of the history the new instance took over) first, then the new build's greeting.
        Assert.Equal("2", (await again.NextAsync("n")).Data);
        Assert.Equal("3", (await again.NextAsync("n")).Data);
        Assert.Equal("build 2 2.0.0.0", (await again.NextAsync("build")).Data);
        Assert.Equal("build 2 2.0.0.0", await host.Client.GetStringAsync("/r"));
    }

    [Fact]
    public async Task A_new_build_renamed_over_the_file_is_loaded_too()
    {
        string plugins = PluginsFolder(build: 1);
        await using TestHost host = await TestHost.StartAsync(Services, PluginsPath(plugins));
        Assert.Equal("build 1 1.0.0.0", await host.Client.GetStringAsync("/r"));

        // Until the file system notifies a change, the files are not looked at.
        Assert.False(host.Services.GetRequiredService<PluginFileWatcher>().IsLooking);

        string staged = Path.Combine(plugins, "Reloadable", "Reloadable.dll.new");
        File.Copy(PluginBuilds.File(2), staged);
        File.Move(staged, Path.Combine(plugins, "Reloadable", "Reloadable.dll"), overwrite: true);

        Assert.Equal("build 2 2.0.0.0", await Eventually.ValueAsync(() => BodyAsync(host, "/r"), v => v == "build 2 2.0.0.0", Patience));
    }

    [Fact]
    public async Task With_PollFiles_the_files_are_looked_at_every_second_and_a_new_build_is_loaded_too()
    {
        string plugins = PluginsFolder(build: 1);
        await using TestHost host = await TestHost.StartAsync(
            Services,
            $$"""{ "PluginsPath": {{System.Text.Json.JsonSerializer.Serialize(plugins)}}, "Plugins": { "PollFiles": true } }""");
        Assert.Equal("build 1 1.0.0.0", await host.Client.GetStringAsync("/r"));

        // Looks with nothing changed, one a second.
        PluginFileWatcher watcher = host.Services.GetRequiredService<PluginFileWatcher>();
        Assert.True(watcher.IsLooking);
        int looks = watcher.Looks;
        await Eventually.TrueAsync(() => watcher.Looks >= looks + 2, Patience);

        PluginBuilds.Copy(2, plugins);

        Assert.Equal("build 2 2.0.0.0", await Eventually.ValueAsync(() => BodyAsync(host, "/r"), v => v == "build 2 2.0.0.0", Patience));
    }

    [Fact]
    public async Task A_build_that_fails_to_load_leaves_the_running_version_serving_with_one_log_line_and_a_good_one_after_it_loads()
    {
        string plugins = PluginsFolder(build: 1);
        await using TestHost host = await TestHost.StartAsync(Services, PluginsPath(plugins));
        await using SseStream client = await host.OpenStreamAsync("/r");
        Assert.Equal("build 1 1.0.0.0", (await client.NextAsync("build")).Data);

        await File.WriteAllBytesAsync(Path.Combine(plugins, "Reloadable", "Reloadable.dll"), [0x4d, 0x5a, 0x00, 0x01, 0x02, 0x03]);

        string line = await host.Logs.WaitForAsync(l => l.Contains("the new build of", StringComparison.Ordinal), Patience);
        Assert.Contains("Mount /r: the new build of ", line, StringComparison.Ordinal);
        Assert.Contains("failed to load, the running version keeps serving: not a .NET assembly", line, StringComparison.Ordinal);
        await host.Logs.WaitForAsync(l => l.Contains("Reloaded mounts: kept /r (its new build failed to load)", StringComparison.Ordinal), Patience);
        Assert.False(client.Completion.IsCompleted);
        Assert.Equal("build 1 1.0.0.0", await host.Client.GetStringAsync("/r"));
        Assert.Single(host.Logs.Lines, l => l.Contains("the new build of", StringComparison.Ordinal));

        PluginBuilds.Copy(2, plugins);

        Assert.Equal("build 2 2.0.0.0", await Eventually.ValueAsync(() => BodyAsync(host, "/r"), v => v == "build 2 2.0.0.0", Patience));
        await client.WaitForEndAsync(Patience);
    }

    [Fact]
    public async Task A_mount_whose_file_was_missing_serves_once_the_file_appears()
    {
        string plugins = TestPaths.NewTempDirectory();
        await using TestHost host = await TestHost.StartAsync(Services, PluginsPath(plugins));
        HttpResponseMessage missing = await host.Client.GetAsync("/r");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, missing.StatusCode);
        Assert.Contains("plugin file not found", await missing.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        PluginBuilds.Copy(1, plugins);

        await host.Logs.WaitForAsync(l => l.Contains("Reloaded mounts: replaced /r (its file appeared)", StringComparison.Ordinal), Patience);
        await using SseStream client = await host.OpenStreamAsync("/r");
        Assert.Equal("build 1 1.0.0.0", (await client.NextAsync("build")).Data);
    }

    [Fact]
    public async Task A_mount_whose_file_was_broken_at_start_serves_once_a_good_build_is_copied_over_it()
    {
        string plugins = TestPaths.NewTempDirectory();
        Directory.CreateDirectory(Path.Combine(plugins, "Reloadable"));
        await File.WriteAllTextAsync(Path.Combine(plugins, "Reloadable", "Reloadable.dll"), "not an assembly");
        await using TestHost host = await TestHost.StartAsync(Services, PluginsPath(plugins));
        HttpResponseMessage broken = await host.Client.GetAsync("/r");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, broken.StatusCode);
        Assert.Contains("not a .NET assembly", await broken.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        PluginBuilds.Copy(2, plugins);

        Assert.Equal("build 2 2.0.0.0", await Eventually.ValueAsync(() => BodyAsync(host, "/r"), v => v == "build 2 2.0.0.0", Patience));
    }

    [Fact]
    public async Task A_plugin_built_against_a_newer_major_contract_is_refused_at_load_with_why()
    {
        string plugins = TestPaths.NewTempDirectory();
        string target = Path.Combine(plugins, "FutureContract");
        Directory.CreateDirectory(target);
        foreach (string file in Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "plugin-builds", "FutureContract")))
        {
            File.Copy(file, Path.Combine(target, Path.GetFileName(file)));
        }

        await using TestHost host = await TestHost.StartAsync("""{ "/future": "FutureContract" }""", PluginsPath(plugins));

        using HttpResponseMessage refused = await host.Client.GetAsync("/future");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        string why = $"FutureContract was built against SsePluginHost.Abstractions 2.0.0, a newer major version than this host's {typeof(SsePluginHost.Abstractions.ISseService).Assembly.GetName().Version!.ToString(3)}";
        Assert.Contains(why, await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        await host.Logs.WaitForAsync(l => l.Contains("Mount /future failed to load plugin", StringComparison.Ordinal) && l.Contains(why, StringComparison.Ordinal), Patience);
    }

    [Fact]
    public async Task Reload_loads_a_new_build_with_file_watching_off_and_the_plugins_command_shows_each_build()
    {
        string plugins = PluginsFolder(build: 1);
        await using TestHost host = await TestHost.StartAsync(
            """{ "/r": { "Plugin": "Reloadable" }, "/r2": { "Plugin": "Reloadable" }, "/none": { "Plugin": "Missing" } }""",
            $$"""{ "PluginsPath": {{System.Text.Json.JsonSerializer.Serialize(plugins)}}, "Plugins": { "WatchFiles": false }, "ReloadOnChange": false }""");
        ConsoleCommands commands = host.Services.GetRequiredService<ConsoleCommands>();
        Assert.Equal("reload: no changes", Run(commands, "reload").TrimEnd());

        string[] before = Run(commands, "plugins").TrimEnd().Split(Environment.NewLine);
        Assert.Equal(2, before.Length);
        string[] fields = before[0].Split('\t');
        Assert.Equal("Reloadable", fields[0]);
        Assert.Equal("1.0.0.0", fields[1]);
        Assert.Equal(Path.Combine(plugins, "Reloadable", "Reloadable.dll"), fields[2]);
        Assert.Matches("^sha256:[0-9a-f]{12}$", fields[3]);
        Assert.Matches(@"^loaded \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$", fields[4]);
        Assert.Equal("mounts /r /r2", fields[5]);
        Assert.StartsWith("Missing\t(not serving)\tmount /none: plugin file not found", before[1], StringComparison.Ordinal);

        PluginBuilds.Copy(2, plugins);
        Assert.Equal("build 1 1.0.0.0", await host.Client.GetStringAsync("/r"));
        string reload = Run(commands, "reload").TrimEnd();

        Assert.Matches(@"^reload: replaced /r \(new build [0-9a-f]{12}\), replaced /r2 \(new build [0-9a-f]{12}\)$", reload);
        Assert.Equal("build 2 2.0.0.0", await host.Client.GetStringAsync("/r"));
        Assert.Equal("build 2 2.0.0.0", await host.Client.GetStringAsync("/r2"));
        string[] after = Run(commands, "plugins").TrimEnd().Split(Environment.NewLine);
        Assert.Equal("2.0.0.0", after[0].Split('\t')[1]);
        Assert.NotEqual(fields[3], after[0].Split('\t')[3]);
        Assert.Equal("reload: no changes", Run(commands, "reload").TrimEnd());
    }

    [Fact]
    public async Task A_new_build_stops_and_disposes_the_old_instance_after_its_clients_left_and_leaves_the_new_one_serving()
    {
        string plugins = PluginsFolder(build: 1);
        await using TestHost host = await TestHost.StartAsync(Services, WatchingOff(plugins));
        await using SseStream client = await host.OpenStreamAsync("/r");
        Assert.Equal("build 1 1.0.0.0", (await client.NextAsync("build")).Data);

        PluginBuilds.Copy(2, plugins);
        Assert.Matches(@"^reload: replaced /r \(new build [0-9a-f]{12}\)$", Run(host.Services.GetRequiredService<ConsoleCommands>(), "reload").TrimEnd());
        await client.WaitForEndAsync(Patience);
        await host.Logs.WaitForAsync(l => l.Contains("Reloadable build 1 1.0.0.0 disposed on /r", StringComparison.Ordinal), Patience);

        List<string> lines = [.. host.Logs.Lines];
        int left = lines.FindIndex(l => l.Contains($"Reloadable build 1 1.0.0.0 on /r: client {client.SessionId} left (Shutdown)", StringComparison.Ordinal));
        int stopping = lines.FindIndex(l => l.Contains("Reloadable build 1 1.0.0.0 stopping on /r: Stopping signalled True", StringComparison.Ordinal));
        int disposed = lines.FindIndex(l => l.Contains("Reloadable build 1 1.0.0.0 disposed on /r", StringComparison.Ordinal));
        Assert.True(left >= 0 && left < stopping && stopping < disposed, string.Join(Environment.NewLine, lines));
        Assert.Single(lines, l => l.Contains("Reloadable build 1 1.0.0.0 stopping", StringComparison.Ordinal));
        Assert.Single(lines, l => l.Contains("Reloadable build 1 1.0.0.0 disposed", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.Contains("Reloadable build 2 2.0.0.0 stopping", StringComparison.Ordinal) || l.Contains("Reloadable build 2 2.0.0.0 disposed", StringComparison.Ordinal));
        Assert.Equal("build 2 2.0.0.0", await host.Client.GetStringAsync("/r"));
    }

    [Fact]
    public async Task A_stream_request_the_old_build_still_holds_as_its_mount_is_retired_is_ended_without_its_greeting_and_the_reconnect_gets_the_new_build()
    {
        string plugins = PluginsFolder(build: 1);
        await using TestHost host = await TestHost.StartAsync(Services, WatchingOff(plugins));

        // The request is inside the old instance (which holds it until it is told to stop) when the reload retires its mount.
        Task<(HttpStatusCode Status, string Body)> held = WholeStreamAsync(host, "/r?hold=1");
        await host.Logs.WaitForAsync(l => l.Contains("Reloadable build 1 1.0.0.0 holds a stream request on /r", StringComparison.Ordinal), Patience);
        PluginBuilds.Copy(2, plugins);
        Assert.Matches(@"^reload: replaced /r \(new build [0-9a-f]{12}\)$", Run(host.Services.GetRequiredService<ConsoleCommands>(), "reload").TrimEnd());

        // The stream the old instance opened then ends at once, after its session id (so that the browser reconnects), without its greeting.
        (HttpStatusCode status, string body) = await held.WaitAsync(Patience);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.StartsWith("event: session-id\n", body, StringComparison.Ordinal);
        Assert.DoesNotContain("event: build", body, StringComparison.Ordinal);
        Assert.DoesNotContain("build 1", body, StringComparison.Ordinal);
        await host.Logs.WaitForAsync(l => l.Contains("Reloadable build 1 1.0.0.0 disposed on /r", StringComparison.Ordinal), Patience);
        Assert.Contains(host.Logs.Lines, l => l.Contains("Reloadable build 1 1.0.0.0 opens the held stream on /r", StringComparison.Ordinal));

        await using SseStream again = await host.OpenStreamAsync("/r");
        Assert.Equal("build 2 2.0.0.0", (await again.NextAsync("build")).Data);
    }

    /// <summary>A stream request read to its end: its status and all that it received.</summary>
    private static async Task<(HttpStatusCode Status, string Body)> WholeStreamAsync(TestHost host, string pathAndQuery)
    {
        using HttpRequestMessage request = new(HttpMethod.Get, pathAndQuery);
        request.Headers.TryAddWithoutValidation("Accept", "text/event-stream");
        using HttpResponseMessage response = await host.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private static string WatchingOff(string plugins) =>
        $$"""{ "PluginsPath": {{System.Text.Json.JsonSerializer.Serialize(plugins)}}, "Plugins": { "WatchFiles": false }, "ReloadOnChange": false }""";

    /// <summary>A new plugins folder holding the given build of Reloadable.</summary>
    private static string PluginsFolder(int build)
    {
        string plugins = TestPaths.NewTempDirectory();
        PluginBuilds.Copy(build, plugins);
        return plugins;
    }

    /// <summary>What a plain request gets, whatever its status (503 while the mount cannot serve).</summary>
    private static async Task<string> BodyAsync(TestHost host, string path)
    {
        using HttpResponseMessage response = await host.Client.GetAsync(path);
        return await response.Content.ReadAsStringAsync();
    }

    private static string PluginsPath(string plugins) =>
        $$"""{ "PluginsPath": {{System.Text.Json.JsonSerializer.Serialize(plugins)}} }""";

    private static string Run(ConsoleCommands commands, string line)
    {
        using StringWriter output = new();
        commands.Execute(line, output);
        return output.ToString();
    }
}
