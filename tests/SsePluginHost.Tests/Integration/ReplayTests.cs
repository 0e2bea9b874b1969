using System.Globalization;
using System.Net.ServerSentEvents;
using System.Text.Json;
using SsePluginHost.Tests.Infrastructure;

namespace SsePluginHost.Tests.Integration;

/// <summary>Event ids, history and replay with <c>Last-Event-ID</c>, and the explicit reset.</summary>
public sealed class ReplayTests
{
    private const string Echo = """{ "/echo": { "Plugin": "Faulty", "Type": "SecondService", "RetryMilliseconds": 1234 } }""";

    [Fact]
    public async Task Broadcasts_carry_increasing_ids_and_the_retry_delay_is_sent_on_connect()
    {
        await using TestHost host = await TestHost.StartAsync(Echo);
        await using SseStream stream = await host.OpenStreamAsync("/echo");

        for (int i = 0; i < 5; i++)
        {
            host.Broadcast("/echo", "n", i.ToString(CultureInfo.InvariantCulture));
        }

        long previous = 0;
        for (int i = 0; i < 5; i++)
        {
            SseItem<string> item = await stream.NextAsync("n");
            long id = long.Parse(item.EventId!, CultureInfo.InvariantCulture);
            Assert.True(id > previous, $"id {id} after {previous}");
            previous = id;
        }

        Assert.Equal(TimeSpan.FromMilliseconds(1234), stream.ReconnectionInterval);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_client_that_reconnects_with_its_last_event_id_gets_what_it_missed_in_order_then_live(bool asHeader)
    {
        await using TestHost host = await TestHost.StartAsync(Echo);
        string lastSeen;
        await using (SseStream first = await host.OpenStreamAsync("/echo"))
        {
            Broadcast(host, 1, 3);
            Assert.Equal("1", (await first.NextAsync("n")).Data);
            lastSeen = (await first.NextAsync("n")).EventId!;
        }

        Broadcast(host, 4, 6);
        await using SseStream again = asHeader
            ? await host.OpenStreamAsync("/echo", new Dictionary<string, string> { ["Last-Event-ID"] = lastSeen })
            : await host.OpenStreamAsync($"/echo?lastEventId={Uri.EscapeDataString(lastSeen)}");
        Broadcast(host, 7, 7);

        Assert.Equal(["3", "4", "5", "6", "7"], await ReadDataAsync(again, 5));
    }

    [Fact]
    public async Task Replay_racing_live_broadcasts_has_no_gap_and_no_duplicate()
    {
        await using TestHost host = await TestHost.StartAsync(
            """{ "/echo": { "Plugin": "Faulty", "Type": "SecondService", "History": { "Count": 100000 } } }""",
            """{ "Streams": { "QueueCapacity": 100000, "QueueBytes": 100000000 } }""");
        const int total = 20_000;
        using SemaphoreSlim reconnecting = new(0);
        SseStream first = await host.OpenStreamAsync("/echo");

        // The publisher sends a first part, waits until the client is about to reconnect, then
        // sends the rest in a burst, so that the replay and the live broadcasts overlap.
        Task publisher = Task.Run(async () =>
        {
            for (int i = 0; i < total; i++)
            {
                if (i == 1000)
                {
                    Assert.True(await reconnecting.WaitAsync(TimeSpan.FromSeconds(30)));
                }

                host.Broadcast("/echo", "n", i.ToString(CultureInfo.InvariantCulture));
                if (i > 1000 && i % 500 == 0)
                {
                    await Task.Yield();
                }
            }
        });

        SseItem<string> last = default;
        for (int i = 0; i < 200; i++)
        {
            last = await first.NextAsync("n");
            Assert.Equal(i.ToString(CultureInfo.InvariantCulture), last.Data);
        }

        await first.DisposeAsync();
        reconnecting.Release();
        await using SseStream second = await host.OpenStreamAsync("/echo", new Dictionary<string, string> { ["Last-Event-ID"] = last.EventId! });
        for (int expected = 200; expected < total; expected++)
        {
            SseItem<string> item = await second.NextAsync();
            Assert.Equal("n", item.EventType);
            Assert.Equal(expected.ToString(CultureInfo.InvariantCulture), item.Data);
        }

        await publisher;
        Assert.Null(await second.TryNextAsync(TimeSpan.FromMilliseconds(200)));
    }

    [Fact]
    public async Task An_id_older_than_the_history_or_unknown_gets_one_reset_event_before_the_live_stream()
    {
        await using TestHost host = await TestHost.StartAsync(
            """{ "/echo": { "Plugin": "Faulty", "Type": "SecondService", "History": { "Count": 2 } } }""");
        string firstId;
        await using (SseStream first = await host.OpenStreamAsync("/echo"))
        {
            Broadcast(host, 1, 1);
            firstId = (await first.NextAsync("n")).EventId!;
        }

        Broadcast(host, 2, 5);
        foreach (string stale in new[] { firstId, "no-such-id" })
        {
            await using SseStream again = await host.OpenStreamAsync("/echo", new Dictionary<string, string> { ["Last-Event-ID"] = stale });
            SseItem<string> reset = await again.NextAsync();
            Assert.Equal("reset", reset.EventType);
            Assert.Equal(stale, JsonDocument.Parse(reset.Data).RootElement.GetProperty("lastEventId").GetString());
            Broadcast(host, 6, 6);
            Assert.Equal("6", (await again.NextAsync()).Data);
        }
    }

    [Fact]
    public async Task An_up_to_date_client_gets_no_replay_and_no_reset()
    {
        await using TestHost host = await TestHost.StartAsync(Echo);
        string lastId;
        await using (SseStream first = await host.OpenStreamAsync("/echo"))
        {
            Broadcast(host, 1, 2);
            await first.NextAsync("n");
            lastId = (await first.NextAsync("n")).EventId!;
        }

        await using SseStream again = await host.OpenStreamAsync("/echo", new Dictionary<string, string> { ["Last-Event-ID"] = lastId });
        Broadcast(host, 3, 3);

        SseItem<string> next = await again.NextAsync();
        Assert.Equal("n", next.EventType);
        Assert.Equal("3", next.Data);
    }

    private static void Broadcast(TestHost host, int from, int to)
    {
        for (int i = from; i <= to; i++)
        {
            host.Broadcast("/echo", "n", i.ToString(CultureInfo.InvariantCulture));
        }
    }

    private static async Task<string[]> ReadDataAsync(SseStream stream, int count)
    {
        string[] data = new string[count];
        for (int i = 0; i < count; i++)
        {
            SseItem<string> item = await stream.NextAsync();
            Assert.Equal("n", item.EventType);
            data[i] = item.Data;
        }

        return data;
    }
}
