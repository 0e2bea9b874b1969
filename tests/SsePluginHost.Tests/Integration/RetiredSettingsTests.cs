using System.Net;
using System.Net.Http.Json;
using SsePluginHost.Tests.Infrastructure;

namespace SsePluginHost.Tests.Integration;

/// <summary>
/// The fixed write beat and busy interval of earlier versions are retired: a configuration that
/// still sets them starts, says so once per setting, and serves as one without them.
/// </summary>
public sealed class RetiredSettingsTests
{
    private const string Quiet = """{ "/quiet": { "Plugin": "Faulty", "Type": "SecondService" } }""";

    [Fact]
    public async Task A_host_still_given_the_beat_and_busy_interval_warns_of_each_at_start_and_serves()
    {
        await using TestHost host = await TestHost.StartAsync(Quiet, sseHostExtraJson: """
            { "Streams": { "CoalesceMilliseconds": 5, "BusyCoalesceMilliseconds": 20, "MaxCoalesceMilliseconds": 10 } }
            """);

        Assert.Contains(host.Logs.Lines, l => l.Contains(
            "SseHost:Streams:CoalesceMilliseconds is retired and ignored: a client's events go out at once, and are batched only while writes back up, for at most SseHost:Streams:MaxCoalesceMilliseconds (10 ms); remove the setting",
            StringComparison.Ordinal));
        Assert.Contains(host.Logs.Lines, l => l.Contains("SseHost:Streams:BusyCoalesceMilliseconds is retired and ignored", StringComparison.Ordinal));
        await AnEventArrivesAsync(host);
    }

    [Fact]
    public async Task A_host_without_them_says_nothing_of_them()
    {
        await using TestHost host = await TestHost.StartAsync(Quiet);

        Assert.DoesNotContain(host.Logs.Lines, l => l.Contains("is retired and ignored", StringComparison.Ordinal));
        await AnEventArrivesAsync(host);
    }

    [Fact]
    public async Task A_bound_of_zero_writes_every_event_at_once()
    {
        await using TestHost host = await TestHost.StartAsync(Quiet, sseHostExtraJson: """
            { "Streams": { "MaxCoalesceMilliseconds": 0 } }
            """);

        await AnEventArrivesAsync(host);
    }

    private static async Task AnEventArrivesAsync(TestHost host)
    {
        await using SseStream stream = await host.OpenStreamAsync("/quiet");
        HttpResponseMessage answer = await host.Client.PostAsJsonAsync("/_host/publish/quiet", new { @event = "news", data = "now" });
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.Equal("now", (await stream.NextAsync("news")).Data);
    }
}
