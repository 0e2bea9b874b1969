using System.Text.Json;
using SsePluginHost.Tests.Infrastructure;
using SseBench = SsePluginHost.LoadTool.Program;

namespace SsePluginHost.Tests.Integration;

/// <summary>
/// Two hosts in this process share the fixture's Redis: the load tool spreads its clients over
/// both (<c>--subscribe</c> twice) and publishes to one, and every client gets every event once.
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class ClusterLoadToolTests(RedisFixture redis)
{
    private const string Bench = """{ "/bench": { "Plugin": "Faulty", "Type": "SecondService", "History": { "Count": 0 } } }""";

    [Fact]
    public async Task Clients_spread_over_two_hosts_get_every_event_published_on_one_exactly_once()
    {
        string backplane = $$"""{ "Backplane": { "Redis": "{{redis.Server.Configuration}}", "KeyPrefix": "loadtool-{{Guid.NewGuid():N}}" } }""";
        await using TestHost first = await TestHost.StartAsync(Bench, backplane);
        await using TestHost second = await TestHost.StartAsync(Bench, backplane);
        using StringWriter output = new();
        using StringWriter error = new();
        using CancellationTokenSource timeout = new(TimeSpan.FromSeconds(60));

        int exitCode = await SseBench.RunAsync(
            [
                "--subscribe", new Uri(first.BaseAddress, "/bench").ToString(),
                "--subscribe", new Uri(second.BaseAddress, "/bench").ToString(),
                "--publish", new Uri(first.BaseAddress, "/_host/publish/bench?event=bench").ToString(),
                "--clients", "40",
                "--events", "300",
                "--rate", "0",
                "--max-seconds", "60",
                "--json",
            ],
            output,
            error,
            timeout.Token);

        string json = output.ToString();
        Assert.True(exitCode == 0, $"exit code {exitCode}\n{json}\n{error}");
        using JsonDocument report = JsonDocument.Parse(json);
        JsonElement deliveries = report.RootElement.GetProperty("deliveries");
        Assert.Equal(12_000, deliveries.GetProperty("received").GetInt64());
        Assert.Equal(0, deliveries.GetProperty("lost").GetInt64());
        Assert.Equal(0, deliveries.GetProperty("duplicated").GetInt64());
        // Half the streams were on each host (their sessions are closed by now; the log says where they were).
        Assert.Equal(20, first.Logs.Lines.Count(l => l.Contains("/bench: session", StringComparison.Ordinal) && l.Contains(" connected from ", StringComparison.Ordinal)));
        Assert.Equal(20, second.Logs.Lines.Count(l => l.Contains("/bench: session", StringComparison.Ordinal) && l.Contains(" connected from ", StringComparison.Ordinal)));
        Assert.Contains(new Uri(second.BaseAddress, "/bench").ToString(), report.RootElement.GetProperty("subscribe").GetString(), StringComparison.Ordinal);
    }
}
