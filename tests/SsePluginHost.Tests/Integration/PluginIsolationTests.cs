using System.Net;
using Microsoft.Extensions.DependencyInjection;
using SsePluginHost.Operator;
using SsePluginHost.Tests.Infrastructure;

namespace SsePluginHost.Tests.Integration;

/// <summary>
/// A plugin that hangs costs only its own mount: its constructor never holds up the host, its
/// callbacks never run on the host's threads or under its locks, and the watchdog says which.
/// </summary>
public sealed class PluginIsolationTests
{
    private static readonly TimeSpan LogWait = TimeSpan.FromSeconds(10);

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_constructor_that_never_returns_costs_only_its_mount(bool directStreams)
    {
        await using TestHost host = await TestHost.StartAsync(
            """{ "/stuck": { "Plugin": "Faulty", "Type": "HangingCtorService" }, "/echo": { "Plugin": "Faulty", "Type": "EchoService" } }""",
            $$"""{ "Plugins": { "WatchdogSeconds": 0.5 }, "Streams": { "DirectStreams": {{(directStreams ? "true" : "false")}} } }""");

        // The host started; every other mount serves, the stuck one says why it cannot.
        await using SseStream echo = await host.OpenStreamAsync("/echo");
        Assert.NotEmpty(echo.SessionId);
        foreach (string accept in new[] { "text/event-stream", "text/plain" })
        {
            using HttpRequestMessage request = new(HttpMethod.Get, "/stuck");
            request.Headers.Add("Accept", accept);
            using HttpResponseMessage stuck = await host.Client.SendAsync(request);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, stuck.StatusCode);
            Assert.Contains("still starting", await stuck.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            Assert.NotNull(stuck.Headers.RetryAfter);
        }

        // The console and reload stay responsive, and the watchdog names the stuck mount.
        ConsoleCommands commands = host.Services.GetRequiredService<ConsoleCommands>();
        Assert.StartsWith("reload: no changes", Run(commands, "reload"), StringComparison.Ordinal);
        Assert.Contains("/echo\tFaulty", Run(commands, "list"), StringComparison.Ordinal);
        await host.Logs.WaitForAsync(l => l.Contains("/stuck: the constructor of plugin Faulty has run for", StringComparison.Ordinal), LogWait);
        Assert.Contains(host.Logs.Lines, l => l.Contains("Mount /stuck: its plugin's constructor has not returned", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_reload_whose_new_constructor_never_returns_does_not_block_later_reloads()
    {
        // Reloads by the console only: the file watcher would race it for the same change.
        await using TestHost host = await TestHost.StartAsync("""{ "/echo": { "Plugin": "Faulty", "Type": "EchoService" } }""", """{ "ReloadOnChange": false }""");
        ConsoleCommands commands = host.Services.GetRequiredService<ConsoleCommands>();

        await host.RewriteServicesAsync("""{ "/echo": { "Plugin": "Faulty", "Type": "EchoService" }, "/stuck": { "Plugin": "Faulty", "Type": "HangingCtorService" } }""");
        Assert.Contains("added /stuck", Run(commands, "reload"), StringComparison.Ordinal);
        await host.RewriteServicesAsync("""{ "/echo": { "Plugin": "Faulty", "Type": "EchoService" }, "/stuck": { "Plugin": "Faulty", "Type": "HangingCtorService" }, "/second": { "Plugin": "Faulty", "Type": "SecondService" } }""");
        Assert.Contains("added /second", Run(commands, "reload"), StringComparison.Ordinal);

        await using SseStream second = await host.OpenStreamAsync("/second");
        await using SseStream echo = await host.OpenStreamAsync("/echo");
        Assert.NotEmpty(second.SessionId);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await host.Client.GetAsync("/stuck")).StatusCode);
    }

    [Fact]
    public async Task A_callback_that_blocks_holds_up_only_its_mounts_later_callbacks_and_the_watchdog_reports_it()
    {
        await using TestHost host = await TestHost.StartAsync(
            """{ "/block": { "Plugin": "Faulty", "Type": "BlockingCallbackService" }, "/echo": { "Plugin": "Faulty", "Type": "EchoService", "Settings": { "Greeting": "hi" } } }""",
            """{ "Plugins": { "WatchdogSeconds": 3 } }""");

        // The blocked client's own stream opens: the plugin is called off the request's thread.
        // (The watchdog waits long enough for the second stream's callback to be queued behind
        // it, even on a loaded machine, before it reports what waits.)
        await using SseStream blocked = await host.OpenStreamAsync("/block?block=1");
        await using SseStream other = await host.OpenStreamAsync("/block");
        string report = await host.Logs.WaitForAsync(l => l.Contains("/block: plugin Faulty.BlockingCallbackService has been in OnClientConnected for", StringComparison.Ordinal), LogWait);
        Assert.Contains("1 later callbacks wait", report, StringComparison.Ordinal);

        // The mount's streams still flow and its requests are served; other mounts are untouched.
        Assert.Equal("2", (await host.Client.GetStringAsync("/block?broadcast=still-flowing")).Trim());
        Assert.Equal("still-flowing", (await blocked.NextAsync("news")).Data);
        Assert.Equal("still-flowing", (await other.NextAsync("news")).Data);
        await using SseStream echo = await host.OpenStreamAsync("/echo");
        Assert.Equal("hi", (await echo.NextAsync("greeting")).Data);
        Assert.Equal("0", (await host.Client.GetStringAsync("/block?connected=1")).Trim());

        // Once it returns, the callbacks that waited run, in order.
        Assert.Equal(HttpStatusCode.NoContent, (await host.Client.GetAsync("/block?release=1")).StatusCode);
        await Eventually.TrueAsync(() => host.Client.GetStringAsync("/block?connected=1").Result.Trim() == "2");
    }

    [Fact]
    public async Task The_log_line_of_a_callback_that_throws_names_the_mount_and_the_plugin()
    {
        await using TestHost host = await TestHost.StartAsync("""{ "/t": { "Plugin": "Faulty", "Type": "ThrowOnRequestService" } }""");
        await using SseStream doomed = await host.OpenStreamAsync("/t?throwOnConnect=1");
        string connected = await host.Logs.WaitForAsync(l => l.Contains($"/t: the plugin threw while session {doomed.SessionId} connected", StringComparison.Ordinal), LogWait);
        Assert.Contains("(plugin Faulty.ThrowOnRequestService)", connected, StringComparison.Ordinal);

        string left = await host.Logs.WaitForAsync(l => l.Contains($"/t: the plugin threw while told that session {doomed.SessionId} left", StringComparison.Ordinal), LogWait);
        Assert.Contains("(plugin Faulty.ThrowOnRequestService)", left, StringComparison.Ordinal);

        Assert.Equal(System.Net.HttpStatusCode.InternalServerError, (await host.Client.GetAsync("/t")).StatusCode);
        string request = await host.Logs.WaitForAsync(l => l.Contains("/t: the plugin threw while handling a GET request", StringComparison.Ordinal), LogWait);
        Assert.Contains("(plugin Faulty.ThrowOnRequestService)", request, StringComparison.Ordinal);
    }

    private static string Run(ConsoleCommands commands, string line)
    {
        using StringWriter output = new();
        commands.Execute(line, output);
        return output.ToString();
    }
}
