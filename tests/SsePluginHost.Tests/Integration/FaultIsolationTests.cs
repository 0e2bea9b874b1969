using System.Net;
using SsePluginHost.Tests.Infrastructure;

namespace SsePluginHost.Tests.Integration;

/// <summary>
/// Bad configuration and faulty plugins cost their own mount (or request, or client) and are
/// logged in one line naming the mount, the file and the cause; everything else keeps serving.
/// </summary>
public sealed class FaultIsolationTests
{
    private static readonly TimeSpan LogWait = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task Bad_mount_paths_are_logged_and_the_good_mount_serves()
    {
        await using TestHost host = await TestHost.StartAsync("""
            {
              "": "Clock",
              "chat": "Chat",
              "/dup": { "Plugin": "Faulty", "Type": "EchoService" },
              "/dup/": { "Plugin": "Faulty", "Type": "EchoService" },
              "/_host/x": "Clock",
              "/noplugin": { "Settings": {} },
              "/good": { "Plugin": "Faulty", "Type": "EchoService" }
            }
            """);

        await host.Logs.WaitForAsync(l => l.Contains("empty mount path", StringComparison.Ordinal), LogWait);
        await host.Logs.WaitForAsync(l => l.Contains("Mount chat skipped: mount path 'chat' does not start with '/'", StringComparison.Ordinal), LogWait);
        await host.Logs.WaitForAsync(l => l.Contains("Mount /dup/ skipped: duplicate mount path", StringComparison.Ordinal), LogWait);
        await host.Logs.WaitForAsync(l => l.Contains("Mount /_host/x skipped", StringComparison.Ordinal) && l.Contains("reserves", StringComparison.Ordinal), LogWait);
        await host.Logs.WaitForAsync(l => l.Contains("Mount /noplugin skipped: no plugin named", StringComparison.Ordinal), LogWait);

        await using SseStream good = await host.OpenStreamAsync("/good");
        Assert.NotEmpty(good.SessionId);
        await using SseStream dup = await host.OpenStreamAsync("/dup");
        Assert.NotEmpty(dup.SessionId);
    }

    [Theory]
    [InlineData("""{ "Plugin": "NoSuchPlugin" }""", "NoSuchPlugin/NoSuchPlugin.dll: plugin file not found")]
    [InlineData("""{ "Plugin": "NoService" }""", "NoService/NoService.dll: no public class implementing ISseService")]
    [InlineData("""{ "Plugin": "Faulty" }""", "Faulty/Faulty.dll: several ISseService types")]
    [InlineData("""{ "Plugin": "Faulty", "Type": "Nope" }""", "Faulty/Faulty.dll: no public ISseService type named 'Nope'")]
    [InlineData("""{ "Plugin": "Faulty", "Type": "ThrowingCtorService" }""", "Faulty/Faulty.dll: the constructor of Faulty.ThrowingCtorService threw InvalidOperationException: boom in constructor")]
    [InlineData("""{ "Plugin": "Clock", "Settings": { "IntervalSeconds": "soon" } }""", "Clock/Clock.dll: the constructor of Clock.ClockService threw ArgumentException")]
    public async Task A_plugin_that_cannot_load_costs_only_its_mount(string mountJson, string expectedLog)
    {
        await using TestHost host = await TestHost.StartAsync($$"""
            {
              "/bad": {{mountJson}},
              "/good": { "Plugin": "Faulty", "Type": "EchoService" }
            }
            """);

        string line = await host.Logs.WaitForAsync(l => l.Contains("Mount /bad failed to load plugin", StringComparison.Ordinal), LogWait);
        Assert.Contains(expectedLog, line, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', line);

        HttpResponseMessage bad = await host.Client.GetAsync("/bad");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, bad.StatusCode);
        Assert.Contains("not available", await bad.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        await using SseStream good = await host.OpenStreamAsync("/good");
        Assert.NotEmpty(good.SessionId);
    }

    [Fact]
    public async Task A_file_that_is_not_an_assembly_costs_only_its_mount()
    {
        string folder = TestPaths.NewTempDirectory();
        string broken = Path.Combine(folder, "Broken.dll");
        await File.WriteAllBytesAsync(broken, [0x4D, 0x5A, 0x00, 0x01, 0x02, 0x03, 0xFF, 0xFE]);
        await using TestHost host = await TestHost.StartAsync($$"""
            {
              "/broken": { "Assembly": "{{broken}}" },
              "/good": { "Plugin": "Faulty", "Type": "EchoService" }
            }
            """);

        string line = await host.Logs.WaitForAsync(l => l.Contains("Mount /broken failed to load plugin", StringComparison.Ordinal), LogWait);
        Assert.Contains(broken, line, StringComparison.Ordinal);
        Assert.Contains("not a .NET assembly", line, StringComparison.Ordinal);
        await using SseStream good = await host.OpenStreamAsync("/good");
        Assert.NotEmpty(good.SessionId);
    }

    [Fact]
    public async Task A_plugin_that_throws_on_a_request_costs_that_request_only()
    {
        await using TestHost host = await TestHost.StartAsync("""{ "/t": { "Plugin": "Faulty", "Type": "ThrowOnRequestService" } }""");
        await using SseStream stream = await host.OpenStreamAsync("/t");

        HttpResponseMessage answer = await host.Client.GetAsync("/t?x=1");

        Assert.Equal(HttpStatusCode.InternalServerError, answer.StatusCode);
        await host.Logs.WaitForAsync(l => l.Contains("/t: the plugin threw while handling a GET request", StringComparison.Ordinal)
            && l.Contains("boom in request", StringComparison.Ordinal), LogWait);
        Assert.Equal(1, host.ClientCount("/t"));
        await using SseStream another = await host.OpenStreamAsync("/t");
        Assert.NotEmpty(another.SessionId);
    }

    [Fact]
    public async Task A_plugin_that_throws_when_a_client_connects_costs_that_client_only()
    {
        await using TestHost host = await TestHost.StartAsync("""{ "/t": { "Plugin": "Faulty", "Type": "ThrowOnRequestService" } }""");
        await using SseStream fine = await host.OpenStreamAsync("/t");
        await using SseStream doomed = await host.OpenStreamAsync("/t?throwOnConnect=1");

        await doomed.WaitForEndAsync();
        await host.Logs.WaitForAsync(l => l.Contains($"/t: the plugin threw while session {doomed.SessionId} connected", StringComparison.Ordinal), LogWait);
        Assert.Equal(1, host.ClientCount("/t"));
        Assert.Null(fine.Completion.Exception);
        Assert.False(fine.Completion.IsCompleted);
    }

    [Fact]
    public async Task A_plugin_that_throws_when_told_a_client_left_is_logged_and_keeps_serving()
    {
        await using TestHost host = await TestHost.StartAsync("""{ "/t": { "Plugin": "Faulty", "Type": "ThrowOnRequestService" } }""");
        SseStream leaver = await host.OpenStreamAsync("/t");
        string id = leaver.SessionId;

        await leaver.DisposeAsync();

        await host.Logs.WaitForAsync(l => l.Contains($"/t: the plugin threw while told that session {id} left", StringComparison.Ordinal), LogWait);
        await using SseStream next = await host.OpenStreamAsync("/t");
        Assert.NotEmpty(next.SessionId);
    }
}
