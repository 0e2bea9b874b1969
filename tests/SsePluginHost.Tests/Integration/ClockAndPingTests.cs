using System.Net.ServerSentEvents;
using SsePluginHost.Tests.Infrastructure;

namespace SsePluginHost.Tests.Integration;

public sealed class ClockAndPingTests
{
    [Fact]
    public async Task The_clock_broadcasts_the_time_at_its_interval()
    {
        await using TestHost host = await TestHost.StartAsync("""{ "/clock": { "Plugin": "Clock", "Settings": { "IntervalSeconds": 0.2 } } }""");
        await using SseStream stream = await host.OpenStreamAsync("/clock");

        SseItem<string> first = await stream.NextAsync("time", TimeSpan.FromSeconds(5));
        SseItem<string> second = await stream.NextAsync("time", TimeSpan.FromSeconds(5));

        Assert.True(DateTimeOffset.Parse(second.Data, System.Globalization.CultureInfo.InvariantCulture)
            > DateTimeOffset.Parse(first.Data, System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task An_idle_client_gets_a_ping_when_pinging_is_on()
    {
        await using TestHost host = await TestHost.StartAsync(
            """{ "/echo": { "Plugin": "Faulty", "Type": "EchoService" } }""",
            """{ "Ping": { "Enabled": true, "IdleSeconds": 1 } }""");
        await using SseStream stream = await host.OpenStreamAsync("/echo");

        SseItem<string> ping = await stream.NextAsync(TimeSpan.FromSeconds(5));

        Assert.Equal("ping", ping.EventType);
    }

    [Fact]
    public async Task A_busy_client_is_not_pinged()
    {
        await using TestHost host = await TestHost.StartAsync(
            """{ "/clock": { "Plugin": "Clock", "Settings": { "IntervalSeconds": 0.25 } } }""",
            """{ "Ping": { "Enabled": true, "IdleSeconds": 3 } }""");
        await using SseStream stream = await host.OpenStreamAsync("/clock");

        // A tick every quarter second, a ping only after 3 s without one: twelve times the tick,
        // so that a machine too busy to run a timer for a second does not count as idle.

        for (int i = 0; i < 10; i++)
        {
            Assert.Equal("time", (await stream.NextAsync(TimeSpan.FromSeconds(5))).EventType);
        }
    }

    [Fact]
    public async Task Nothing_is_sent_to_an_idle_client_when_pinging_is_off()
    {
        await using TestHost host = await TestHost.StartAsync(
            """{ "/echo": { "Plugin": "Faulty", "Type": "EchoService" } }""",
            """{ "Ping": { "Enabled": false, "IdleSeconds": 1 } }""");
        await using SseStream stream = await host.OpenStreamAsync("/echo");

        Assert.Null(await stream.TryNextAsync(TimeSpan.FromSeconds(2.5)));
    }
}
