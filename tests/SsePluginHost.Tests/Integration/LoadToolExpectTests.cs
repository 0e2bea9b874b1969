using System.Text.Json;
using SsePluginHost.Tests.Infrastructure;
using SseBench = SsePluginHost.LoadTool.Program;

namespace SsePluginHost.Tests.Integration;

/// <summary>
/// ssebench split over processes, as the many-streams benchmark runs it: one run only watches
/// (<c>--expect-events</c>, <c>--ready-file</c>), another publishes, and the watcher reports
/// every event once on every stream.
/// </summary>
public sealed class LoadToolExpectTests
{
    private const string Bench = """{ "/bench": { "Plugin": "Faulty", "Type": "SecondService", "History": { "Count": 0 } } }""";

    [Fact]
    public async Task A_watching_run_gets_every_event_another_run_publishes_once_on_every_stream()
    {
        await using TestHost host = await TestHost.StartAsync(Bench);
        string ready = Path.Combine(TestPaths.NewTempDirectory(), "ready");
        string subscribe = new Uri(host.BaseAddress, "/bench").ToString();
        using StringWriter watchOutput = new();
        using StringWriter watchError = new();
        using CancellationTokenSource timeout = new(TimeSpan.FromSeconds(60));
        Task<int> watching = SseBench.RunAsync(
            ["--subscribe", subscribe, "--clients", "30", "--expect-events", "50", "--ready-file", ready, "--max-seconds", "60", "--json"],
            watchOutput,
            watchError,
            timeout.Token);
        await Eventually.TrueAsync(() => File.Exists(ready), TimeSpan.FromSeconds(30));

        using StringWriter output = new();
        using StringWriter error = new();
        int published = await SseBench.RunAsync(
            ["--subscribe", subscribe, "--publish", new Uri(host.BaseAddress, "/_host/publish/bench?event=bench").ToString(), "--clients", "5", "--events", "50", "--rate", "0", "--max-seconds", "60", "--json"],
            output,
            error,
            timeout.Token);
        int watched = await watching;

        Assert.True(published == 0, $"publisher exit {published}\n{output}\n{error}");
        Assert.True(watched == 0, $"watcher exit {watched}\n{watchOutput}\n{watchError}");
        Assert.Equal("30", await File.ReadAllTextAsync(ready));
        JsonElement deliveries = JsonDocument.Parse(watchOutput.ToString()).RootElement.GetProperty("deliveries");
        Assert.Equal(1_500, deliveries.GetProperty("expected").GetInt64());
        Assert.Equal(1_500, deliveries.GetProperty("received").GetInt64());
        Assert.Equal(0, deliveries.GetProperty("lost").GetInt64());
        Assert.Equal(0, deliveries.GetProperty("duplicated").GetInt64());
        Directory.Delete(Path.GetDirectoryName(ready)!, recursive: true);
    }

    [Fact]
    public async Task Expecting_events_while_publishing_is_a_usage_error()
    {
        using StringWriter output = new();
        using StringWriter error = new();

        int exitCode = await SseBench.RunAsync(
            ["--subscribe", "http://127.0.0.1:1/bench", "--publish", "http://127.0.0.1:1/pub", "--expect-events", "5"], output, error, CancellationToken.None);

        Assert.Equal(2, exitCode);
        Assert.Contains("--expect-events is for a run that does not publish", error.ToString(), StringComparison.Ordinal);
    }
}
