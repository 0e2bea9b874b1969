using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Net.ServerSentEvents;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using SsePluginHost.Tests.Infrastructure;

namespace SsePluginHost.Tests.Integration;

/// <summary>
/// Several host executables and one real <c>redis-server</c> behave as one host: a broadcast from
/// any source on any node reaches every node's clients once, in one order, with one id; a client
/// whose node is killed fails over to another with <c>Last-Event-ID</c> and misses nothing.
/// </summary>
[Collection(RedisCollection.Name)]
public sealed partial class ScaleOutTests(RedisFixture redis)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task A_broadcast_from_any_source_on_any_node_reaches_every_nodes_clients_once_in_one_order_with_the_same_ids()
    {
        int udpPort = FreePorts.Udp();
        string socketDirectory = TestPaths.NewTempDirectory();
        string socket = Path.Combine(socketDirectory, "publish.sock");
        await using HostCluster cluster = await HostCluster.StartAsync(redis.Server, 3, i => i switch
        {
            0 => $$""", "Publish": { "Udp": { "Enabled": true, "Port": {{udpPort}} } }""",
            1 => $$""", "Publish": { "UnixSocket": { "Path": "{{socket}}" } }""",
            _ => string.Empty,
        });
        await using SseStream chatter = await SseStream.OpenAsync(new Uri(cluster.Addresses[2], "/chat?nick=chatter"));
        SseStream[] clients = [.. await Task.WhenAll(cluster.Addresses.Select(a => SseStream.OpenAsync(new Uri(a, "/chat"))))];
        try
        {
            using HttpClient node1 = new() { BaseAddress = cluster.Addresses[0] };
            using HttpClient node3 = new() { BaseAddress = cluster.Addresses[2] };
            using HttpClient viaSocket = UnixSocketHttp.Create(socket);
            using UdpClient udp = new(AddressFamily.InterNetwork);

            // Five sources on three nodes, not waiting for one another.
            Task<HttpResponseMessage> api = node1.PostAsJsonAsync("/_host/publish/chat", new { @event = "api", data = "from the publish API on node 1" });
            Task<int> datagram = udp.SendAsync(Encoding.UTF8.GetBytes("/chat udp\nfrom UDP on node 1"), new IPEndPoint(IPAddress.Loopback, udpPort)).AsTask();
            Task console = cluster.Nodes[1].CommandAsync("broadcast /chat console from the console of node 2");
            Task<HttpResponseMessage> unix = viaSocket.PostAsJsonAsync("/_host/publish/chat", new { @event = "unix", data = "from the Unix socket of node 2" });
            Task<HttpResponseMessage> plugin = node3.GetAsync(new Uri($"/chat?session={chatter.SessionId}&msg=from+the+plugin+on+node+3", UriKind.Relative));
            Assert.Equal(HttpStatusCode.OK, (await api).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await unix).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await plugin).StatusCode);
            await datagram;
            await console;

            // Every client reads until it has the five; then a last event shows that nothing came twice.
            string[] wanted = ["api", "udp", "console", "unix", "message"];
            List<SseItem<string>>[] seen = await Task.WhenAll(clients.Select(c => ReadUntilAsync(c, wanted, l => wanted.All(w => l.Any(e => e.EventType == w)))));
            HttpResponseMessage end = await node3.PostAsJsonAsync("/_host/publish/chat", new { @event = "end", data = "the last one" });
            string endId = (await end.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
            for (int i = 0; i < clients.Length; i++)
            {
                seen[i].AddRange(await ReadUntilAsync(clients[i], ["end", .. wanted], l => l.Any(e => e.EventType == "end")));
            }

            List<(string Type, string Id, string Data)> reference = [.. seen[0].Select(e => (e.EventType, e.EventId!, e.Data))];
            Assert.Equal(6, reference.Count);
            Assert.Equal(wanted.Append("end").Order(StringComparer.Ordinal), reference.Select(e => e.Type).Order(StringComparer.Ordinal));
            Assert.All(reference, e => Assert.Matches(StreamId(), e.Id));
            Assert.Equal(endId, reference[^1].Id);
            Assert.Equal(6, reference.Select(e => e.Id).Distinct(StringComparer.Ordinal).Count());
            Assert.Equal("from the console of node 2", reference.Single(e => e.Type == "console").Data);
            Assert.Contains("from the plugin on node 3", reference.Single(e => e.Type == "message").Data, StringComparison.Ordinal);
            foreach (List<SseItem<string>> other in seen[1..])
            {
                Assert.Equal(reference, other.Select(e => (e.EventType, e.EventId!, e.Data)));
            }
        }
        finally
        {
            foreach (SseStream client in clients)
            {
                await client.DisposeAsync();
            }

            Directory.Delete(socketDirectory, recursive: true);
        }
    }

    [Fact]
    public async Task An_event_of_a_topic_published_on_one_node_reaches_that_topics_followers_on_the_others_only()
    {
        await using HostCluster cluster = await HostCluster.StartAsync(
            redis.Server, 3, services: """{ "/rooms": { "Plugin": "Faulty", "Type": "RoomsService" } }""", plugin: "Faulty");
        await using SseStream room1 = await SseStream.OpenAsync(new Uri(cluster.Addresses[1], "/rooms?topic=room1"));
        await using SseStream room2 = await SseStream.OpenAsync(new Uri(cluster.Addresses[2], "/rooms?topic=room2"));
        await using SseStream both = await SseStream.OpenAsync(new Uri(cluster.Addresses[2], "/rooms?topic=room1,room2"));
        using HttpClient node1 = new() { BaseAddress = cluster.Addresses[0] };

        string fromPlugin = await node1.GetStringAsync("/rooms?topic=room1&say=room+1+from+node+1");
        HttpResponseMessage api = await node1.PostAsJsonAsync("/_host/publish/rooms", new { @event = "say", data = "room 2 from node 1", topic = "room2" });
        Assert.Equal(HttpStatusCode.OK, api.StatusCode);
        HttpResponseMessage all = await node1.PostAsJsonAsync("/_host/publish/rooms", new { @event = "say", data = "everyone" });
        Assert.Equal(HttpStatusCode.OK, all.StatusCode);

        Assert.Equal(["room 1 from node 1", "everyone"], await SaysUntilAsync(room1, "everyone"));
        Assert.Equal(["room 2 from node 1", "everyone"], await SaysUntilAsync(room2, "everyone"));
        List<SseItem<string>> bothSaw = await ReadUntilAsync(both, ["say"], l => l.Any(e => e.Data == "everyone"));
        Assert.Equal(["room 1 from node 1", "room 2 from node 1", "everyone"], bothSaw.Select(e => e.Data));
        Assert.Equal(fromPlugin, bothSaw[0].EventId);
    }

    private static async Task<List<string>> SaysUntilAsync(SseStream stream, string last) =>
        [.. (await ReadUntilAsync(stream, ["say"], l => l.Any(e => e.Data == last))).Select(e => e.Data)];

    [Fact]
    public async Task A_client_whose_node_is_killed_fails_over_to_another_with_Last_Event_ID_and_gets_every_event_exactly_once()
    {
        const int Total = 400;
        await using HostCluster cluster = await HostCluster.StartAsync(redis.Server, 2);
        using HttpClient publisher = new() { BaseAddress = cluster.Addresses[1] };
        SseStream client = await SseStream.OpenAsync(new Uri(cluster.Addresses[0], "/chat"));
        List<string> published = [];
        List<string> received = [];
        TaskCompletionSource halfway = new(TaskCreationOptions.RunContinuationsAsynchronously);

        // The publisher keeps publishing (through node 2) while node 1 dies under the client.
        Task publishing = Task.Run(async () =>
        {
            for (int i = 0; i < Total; i++)
            {
                HttpResponseMessage answer = await publisher.PostAsJsonAsync("/_host/publish/chat", new { @event = "tick", data = i.ToString(CultureInfo.InvariantCulture) });
                Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
                published.Add((await answer.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!);
                if (i == Total / 4)
                {
                    await halfway.Task.WaitAsync(Patience);
                }
            }
        });

        try
        {
            while (received.Count < Total / 8)
            {
                SseItem<string> item = await client.NextAsync(Patience);
                Assert.NotEqual("reset", item.EventType);
                if (item.EventType == "tick")
                {
                    received.Add(item.EventId!);
                }
            }

            await cluster.Nodes[0].KillAsync();
            halfway.TrySetResult();

            // What was already read stays read; the stream of the dead node ends.
            while (await TryNextAsync(client) is { } item)
            {
                if (item.EventType == "tick")
                {
                    received.Add(item.EventId!);
                }
            }
        }
        finally
        {
            await client.DisposeAsync();
        }

        await using SseStream failedOver = await SseStream.OpenAsync(new Uri(cluster.Addresses[1], "/chat"), new Dictionary<string, string> { ["Last-Event-ID"] = received[^1] });
        while (received.Count < Total)
        {
            SseItem<string> item = await failedOver.NextAsync(Patience);
            Assert.NotEqual("reset", item.EventType);
            if (item.EventType == "tick")
            {
                received.Add(item.EventId!);
            }
        }

        await publishing;

        // Every id once, in the order published: a duplicate or a gap would show here.
        Assert.Equal(published, received);
    }

    [Fact]
    public async Task The_backplane_can_be_chosen_on_the_command_line()
    {
        const string Settings = """{ "SseHost": { "PluginsPath": "plugins", "Console": { "Enabled": false }, "Services": { "/chat": "Chat" } } }""";
        await using HostProcess host = HostProcess.Start(HostProcess.PrepareContentRoot(Settings, "Chat"), "--urls", "http://127.0.0.1:0",
            "--SseHost:Backplane:Redis=" + redis.Server.Configuration, "--SseHost:Backplane:KeyPrefix=cli-" + Guid.NewGuid().ToString("N")[..8]);
        Uri address = await host.WaitForAddressAsync(HostCluster.StartTimeout);
        using HttpClient http = new() { BaseAddress = address };

        JsonElement health = await http.GetFromJsonAsync<JsonElement>("/_host/health");
        HttpResponseMessage published = await http.PostAsJsonAsync("/_host/publish/chat", new { @event = "news", data = "through Redis" });

        Assert.Equal("healthy", health.GetProperty("status").GetString());
        Assert.Equal(redis.Server.Configuration, health.GetProperty("checks").GetProperty("backplane").GetProperty("data").GetProperty("redis").GetString());
        Assert.Equal(HttpStatusCode.OK, published.StatusCode);
        Assert.Matches(StreamId(), (await published.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!);
    }

    private static async Task<SseItem<string>?> TryNextAsync(SseStream stream)
    {
        try
        {
            return await stream.NextAsync(Patience);
        }
        catch (Exception ex) when (ex is InvalidOperationException or IOException or HttpRequestException or System.Threading.Channels.ChannelClosedException)
        {
            return null;
        }
    }

    /// <summary>Reads the events of the given types until <paramref name="done"/> says so.</summary>
    private static async Task<List<SseItem<string>>> ReadUntilAsync(SseStream stream, string[] types, Func<List<SseItem<string>>, bool> done)
    {
        List<SseItem<string>> seen = [];
        while (!done(seen))
        {
            SseItem<string> item = await stream.NextAsync(Patience);
            Assert.NotEqual("reset", item.EventType);
            if (types.Contains(item.EventType))
            {
                seen.Add(item);
            }
        }

        return seen;
    }

    [GeneratedRegex(@"^\d+-\d+$")]
    private static partial Regex StreamId();
}
