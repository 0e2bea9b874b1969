using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Net.ServerSentEvents;
using System.Text.Json;
using SsePluginHost.Tests.Infrastructure;

namespace SsePluginHost.Tests.Integration;

/// <summary>
/// Redis trouble, with real processes: each test runs its own <c>redis-server</c> (it stops and
/// restarts it) and host executables that share it. Nothing published is lost without someone
/// being told: it waits and goes out when Redis is back, or the publisher gets 503, and clients
/// that may have missed events get <c>reset</c>.
/// </summary>
public sealed class BackplaneOutageTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Nodes_keep_their_clients_while_Redis_is_away_and_what_was_published_meanwhile_arrives_once_when_it_is_back()
    {
        await using RedisServer redis = await RedisServer.StartAsync();
        await using HostCluster cluster = await HostCluster.StartAsync(redis, 2);
        await using SseStream first = await SseStream.OpenAsync(new Uri(cluster.Addresses[0], "/chat"));
        await using SseStream second = await SseStream.OpenAsync(new Uri(cluster.Addresses[1], "/chat"));
        using HttpClient node1 = new() { BaseAddress = cluster.Addresses[0] };
        string before = await PublishAsync(node1, "before");
        Assert.Equal(before, (await first.NextAsync("news", Patience)).EventId);
        Assert.Equal(before, (await second.NextAsync("news", Patience)).EventId);

        await redis.StopKeepingDataAsync();
        await WaitForHealthAsync(cluster.Addresses[0], HttpStatusCode.ServiceUnavailable);
        await WaitForHealthAsync(cluster.Addresses[1], HttpStatusCode.ServiceUnavailable);

        // The publish API tells its caller; the console's events wait for Redis.
        HttpResponseMessage refused = await node1.PostAsJsonAsync("/_host/publish/chat", new { @event = "news", data = "refused" });
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.NotNull(refused.Headers.RetryAfter);
        Assert.Contains("backplane (Redis) is away", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        for (int i = 0; i < 5; i++)
        {
            await cluster.Nodes[0].CommandAsync(string.Create(CultureInfo.InvariantCulture, $"broadcast /chat news queued-{i}"));
        }

        await Eventually.TrueAsync(() => cluster.Nodes[0].StandardOutput.Count(l => l == "queued at /chat: its backplane (Redis) is away; it goes out when Redis is back") == 5, Patience);

        await redis.RestartAsync();
        await WaitForHealthAsync(cluster.Addresses[0], HttpStatusCode.OK);
        await WaitForHealthAsync(cluster.Addresses[1], HttpStatusCode.OK);
        string after = await PublishAsync(node1, "after");

        foreach (SseStream client in new[] { first, second })
        {
            List<SseItem<string>> got = [];
            while (got.Count < 6)
            {
                SseItem<string> item = await client.NextAsync(Patience);
                Assert.NotEqual("reset", item.EventType);
                if (item.EventType == "news")
                {
                    got.Add(item);
                }
            }

            Assert.Equal([.. Enumerable.Range(0, 5).Select(i => "queued-" + i.ToString(CultureInfo.InvariantCulture)), "after"], got.Select(e => e.Data));
            Assert.Equal(after, got[^1].EventId);
            Assert.Equal(6, got.Select(e => e.EventId).Distinct(StringComparer.Ordinal).Count());
        }

        // Each node said once that Redis went away, and once that it came back.
        foreach (HostProcess node in cluster.Nodes)
        {
            Assert.Single(node.StandardOutput, l => l.Contains("Backplane: Redis at", StringComparison.Ordinal) && l.Contains("went away", StringComparison.Ordinal));
            Assert.Single(node.StandardOutput, l => l.Contains("Backplane: Redis at", StringComparison.Ordinal) && l.Contains("is back after", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task Past_the_outage_buffer_events_are_refused_and_every_client_gets_reset_once_Redis_is_back()
    {
        await using RedisServer redis = await RedisServer.StartAsync();
        await using HostCluster cluster = await HostCluster.StartAsync(redis, 2, backplaneExtra: """, "OutageBufferEvents": 3""");
        await using SseStream first = await SseStream.OpenAsync(new Uri(cluster.Addresses[0], "/chat"));
        await using SseStream second = await SseStream.OpenAsync(new Uri(cluster.Addresses[1], "/chat"));
        using HttpClient node1 = new() { BaseAddress = cluster.Addresses[0] };
        string before = await PublishAsync(node1, "before");
        Assert.Equal(before, (await first.NextAsync("news", Patience)).EventId);
        Assert.Equal(before, (await second.NextAsync("news", Patience)).EventId);

        await redis.StopKeepingDataAsync();
        await WaitForHealthAsync(cluster.Addresses[0], HttpStatusCode.ServiceUnavailable);
        HostProcess console = cluster.Nodes[0];
        for (int i = 0; i < 5; i++)
        {
            await console.CommandAsync(string.Create(CultureInfo.InvariantCulture, $"broadcast /chat news over-{i}"));
        }

        // Three wait for Redis; the console is told that the other two were not taken.
        await Eventually.TrueAsync(() => console.StandardOutput.Count(l => l.StartsWith("queued at /chat", StringComparison.Ordinal)) == 3
            && console.StandardOutput.Count(l => l == "error: /chat cannot take events now: its backplane (Redis) is away and its buffer is full") == 2, Patience);
        Assert.Single(console.StandardOutput, l => l.Contains("Redis is away and 3 events already wait for it; further events are refused", StringComparison.Ordinal));

        await redis.RestartAsync();
        await WaitForHealthAsync(cluster.Addresses[0], HttpStatusCode.OK);
        foreach (SseStream client in new[] { first, second })
        {
            SseItem<string> reset = await client.NextAsync(Patience);
            Assert.Equal("reset", reset.EventType);
            Assert.Contains("published while the backplane (Redis) was away were lost", reset.Data, StringComparison.Ordinal);
            for (int i = 0; i < 3; i++)
            {
                Assert.Equal("over-" + i.ToString(CultureInfo.InvariantCulture), (await client.NextAsync("news", Patience)).Data);
            }
        }
    }

    [Fact]
    public async Task When_Redis_restarts_empty_clients_are_told_to_reset_and_an_old_Last_Event_ID_is_a_reset()
    {
        await using RedisServer redis = await RedisServer.StartAsync();
        await using HostCluster cluster = await HostCluster.StartAsync(redis, 2);
        await using SseStream first = await SseStream.OpenAsync(new Uri(cluster.Addresses[0], "/chat"));
        await using SseStream second = await SseStream.OpenAsync(new Uri(cluster.Addresses[1], "/chat"));
        using HttpClient node1 = new() { BaseAddress = cluster.Addresses[0] };
        string old = string.Empty;
        for (int i = 0; i < 3; i++)
        {
            old = await PublishAsync(node1, "old-" + i.ToString(CultureInfo.InvariantCulture));
        }

        Assert.Equal(old, (await NextNewsAsync(first, 3)).EventId);
        Assert.Equal(old, (await NextNewsAsync(second, 3)).EventId);

        await redis.StopAsync();
        await redis.RestartAsync();

        foreach (SseStream client in new[] { first, second })
        {
            SseItem<string> reset = await client.NextAsync("reset", Patience);
            Assert.Contains("lost its data", reset.Data, StringComparison.Ordinal);
        }

        await WaitForHealthAsync(cluster.Addresses[0], HttpStatusCode.OK);
        string fresh = await PublishAsync(node1, "fresh");
        Assert.Equal(fresh, (await first.NextAsync("news", Patience)).EventId);
        Assert.Equal(fresh, (await second.NextAsync("news", Patience)).EventId);

        // A client that comes back with an id of the Redis that was lost is told, not replayed to.
        await using SseStream late = await SseStream.OpenAsync(new Uri(cluster.Addresses[1], "/chat"), new Dictionary<string, string> { ["Last-Event-ID"] = old });
        SseItem<string> lateReset = await late.NextAsync(Patience);
        Assert.Equal("reset", lateReset.EventType);
        Assert.Equal(old, JsonDocument.Parse(lateReset.Data).RootElement.GetProperty("lastEventId").GetString());
    }

    [Fact]
    public async Task A_node_started_while_Redis_cannot_be_reached_says_so_once_serves_and_joins_once_Redis_is_there()
    {
        await using RedisServer redis = await RedisServer.StartAsync();
        await redis.StopAsync();
        await using HostCluster cluster = await HostCluster.StartAsync(redis, 1);
        HostProcess node = cluster.Nodes[0];
        Uri address = cluster.Addresses[0];
        await node.WaitForOutputAsync(l => l.Contains($"Backplane: Redis at 127.0.0.1:{redis.Port} cannot be reached; retrying in the background", StringComparison.Ordinal), Patience);
        await WaitForHealthAsync(address, HttpStatusCode.ServiceUnavailable);
        using HttpClient http = new() { BaseAddress = address };
        Assert.Contains("/chat", await http.GetStringAsync("/"), StringComparison.Ordinal);
        await using SseStream client = await SseStream.OpenAsync(new Uri(address, "/chat"));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await http.PostAsJsonAsync("/_host/publish/chat", new { @event = "news", data = "too early" })).StatusCode);

        await redis.RestartAsync();
        await WaitForHealthAsync(address, HttpStatusCode.OK);
        string id = await PublishAsync(http, "now");

        Assert.Equal(id, (await client.NextAsync("news", Patience)).EventId);
        Assert.False(node.HasExited);
        Assert.Single(node.StandardOutput, l => l.Contains("cannot be reached", StringComparison.Ordinal));
    }

    private static async Task<SseItem<string>> NextNewsAsync(SseStream stream, int count)
    {
        SseItem<string> item = default;
        for (int i = 0; i < count; i++)
        {
            item = await stream.NextAsync("news", Patience);
        }

        return item;
    }

    private static async Task<string> PublishAsync(HttpClient node, string data)
    {
        HttpResponseMessage answer = await node.PostAsJsonAsync("/_host/publish/chat", new { @event = "news", data });
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        return (await answer.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }

    /// <summary>Asks <c>/_host/health</c> until it answers with the status (the node notices Redis going or coming by itself).</summary>
    private static async Task WaitForHealthAsync(Uri node, HttpStatusCode status)
    {
        using HttpClient http = new();
        using CancellationTokenSource timeout = new(Patience);
        HttpStatusCode last = 0;
        try
        {
            while (true)
            {
                using HttpResponseMessage answer = await http.GetAsync(new Uri(node, "/_host/health"), timeout.Token);
                last = answer.StatusCode;
                if (last == status)
                {
                    return;
                }

                await Task.Delay(100, timeout.Token);
            }
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"{node}_host/health still answered {last}, not {status}, after {Patience}.");
        }
    }
}
