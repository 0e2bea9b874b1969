using System.Net;
using System.Net.Http.Json;
using System.Net.ServerSentEvents;
using System.Text.Json;
using SsePluginHost.Tests.Infrastructure;

namespace SsePluginHost.Tests.Integration;

/// <summary>
/// Sessions across hosts that share a Redis: behind a round-robin nginx the Chat example works
/// whichever host a request lands on; the publish API reaches a session from any host; a
/// session resumed on another host after its host died keeps its id and gets what was sent to
/// it meanwhile; client counts say what is local and what is cluster-wide.
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class ClusterSessionTests(RedisFixture redis)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);
    private const string ChatWithGrace = """{ "/chat": { "Plugin": "Chat", "SessionGraceSeconds": 30 } }""";

    [Fact]
    public async Task The_chat_works_behind_a_round_robin_load_balancer_whichever_host_a_message_lands_on()
    {
        await using HostCluster cluster = await HostCluster.StartAsync(redis.Server, 2);
        await using NginxProxy nginx = await NginxProxy.StartAsync(cluster.Addresses);
        await using SseStream alice = await SseStream.OpenAsync(new Uri(nginx.Address, "/chat"));
        string aliceHost = Upstream(alice.Response);

        // Round robin: the next connection goes to the other host (tried a few times, in case
        // something else came in between).
        SseStream bob = await SseStream.OpenAsync(new Uri(nginx.Address, "/chat"));
        for (int i = 0; i < 4 && Upstream(bob.Response) == aliceHost; i++)
        {
            await bob.DisposeAsync();
            bob = await SseStream.OpenAsync(new Uri(nginx.Address, "/chat"));
        }

        await using (bob)
        {
            Assert.NotEqual(aliceHost, Upstream(bob.Response));
            List<string> servedBy = [];
            for (int i = 0; i < 6; i++)
            {
                // A new connection each time, so that nginx spreads them over both hosts.
                using HttpClient browser = new();
                string query = i == 0 ? $"session={alice.SessionId}&nick=alice" : $"session={alice.SessionId}&msg=hello+{i}";
                using HttpResponseMessage answer = await browser.GetAsync(new Uri(nginx.Address, "/chat?" + query));
                Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
                servedBy.Add(Upstream(answer));
            }

            // Some of alice's messages landed on bob's host, which has no session of hers.
            Assert.Contains(servedBy, host => host != aliceHost);
            foreach (SseStream client in new[] { alice, bob })
            {
                Assert.Equal("alice", JsonDocument.Parse((await client.NextAsync("nick", Patience)).Data).RootElement.GetProperty("nick").GetString());
                for (int i = 1; i < 6; i++)
                {
                    JsonElement message = JsonDocument.Parse((await client.NextAsync("message", Patience)).Data).RootElement;
                    Assert.Equal("alice", message.GetProperty("nick").GetString());
                    Assert.Equal($"hello {i}", message.GetProperty("text").GetString());
                }
            }

            // A session no host has is still the plugin's "unknown session", wherever it lands.
            using HttpClient stranger = new();
            for (int i = 0; i < 2; i++)
            {
                using HttpResponseMessage unknown = await stranger.GetAsync(new Uri(nginx.Address, "/chat?session=nobody&msg=hi"));
                Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
            }
        }
    }

    [Fact]
    public async Task The_publish_API_of_any_host_sends_to_a_session_on_another()
    {
        await using HostCluster cluster = await HostCluster.StartAsync(redis.Server, 2);
        await using SseStream client = await SseStream.OpenAsync(new Uri(cluster.Addresses[0], "/chat"));
        using HttpClient other = new() { BaseAddress = cluster.Addresses[1] };

        HttpResponseMessage sent = await other.PostAsJsonAsync("/_host/publish/chat", new { @event = "private", data = "for you alone", session = client.SessionId });
        HttpResponseMessage unknown = await other.PostAsJsonAsync("/_host/publish/chat", new { @event = "private", data = "for nobody", session = "no-such-session" });

        Assert.Equal(HttpStatusCode.OK, sent.StatusCode);
        Assert.Equal(1, (await sent.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("delivered").GetInt32());
        SseItem<string> item = await client.NextAsync("private", Patience);
        Assert.Equal("for you alone", item.Data);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task A_session_resumed_on_another_host_after_its_host_died_keeps_its_id_and_gets_what_was_sent_to_it_meanwhile()
    {
        await using HostCluster cluster = await HostCluster.StartAsync(redis.Server, 2, services: ChatWithGrace);
        using HttpClient survivor = new() { BaseAddress = cluster.Addresses[1] };
        string sessionId;
        string lastSeen;
        await using (SseStream client = await SseStream.OpenAsync(new Uri(cluster.Addresses[0], "/chat")))
        {
            sessionId = client.SessionId;
            string first = await PublishAsync(survivor, new { @event = "news", data = "before" });
            lastSeen = (await client.NextAsync("news", Patience)).EventId!;
            Assert.Equal(first, lastSeen);
            await cluster.Nodes[0].KillAsync();
        }

        // Its host is dead: what is sent to the session waits for whoever takes it over.
        HttpResponseMessage direct = await survivor.PostAsJsonAsync("/_host/publish/chat", new { @event = "private", data = "while you were away", session = sessionId });
        Assert.Equal(HttpStatusCode.Accepted, direct.StatusCode);
        Assert.True((await direct.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("queued").GetBoolean());
        string missed = await PublishAsync(survivor, new { @event = "news", data = "missed" });

        await using SseStream resumed = await SseStream.OpenAsync(
            new Uri(cluster.Addresses[1], "/chat?session=" + sessionId),
            new Dictionary<string, string> { ["Last-Event-ID"] = lastSeen });

        Assert.Equal(sessionId, resumed.SessionId);
        SseItem<string> replayed = await resumed.NextAsync("news", Patience);
        Assert.Equal(("missed", missed), (replayed.Data, replayed.EventId));
        Assert.Equal("while you were away", (await resumed.NextAsync("private", Patience)).Data);
        await cluster.Nodes[1].WaitForOutputAsync(l => l.Contains($"took session {sessionId} over from host", StringComparison.Ordinal), Patience);
    }

    [Fact]
    public async Task A_client_that_reconnects_to_another_live_host_takes_its_session_along()
    {
        await using HostCluster cluster = await HostCluster.StartAsync(redis.Server, 2, services: ChatWithGrace);
        using HttpClient first = new() { BaseAddress = cluster.Addresses[0] };
        SseStream client = await SseStream.OpenAsync(new Uri(cluster.Addresses[0], "/chat"));
        string sessionId = client.SessionId;
        await client.DisposeAsync();
        await Eventually.ValueAsync(
            () => first.GetFromJsonAsync<JsonElement>("/_host/clients/chat"),
            clients => clients.EnumerateArray().Any(c => c.GetProperty("session").GetString() == sessionId && !c.GetProperty("connected").GetBoolean()),
            Patience);

        // Away from host 1, within its grace period: a direct event waits there for it.
        HttpResponseMessage direct = await first.PostAsJsonAsync("/_host/publish/chat", new { @event = "private", data = "kept for you", session = sessionId });
        Assert.Equal(HttpStatusCode.OK, direct.StatusCode);

        await using SseStream moved = await SseStream.OpenAsync(new Uri(cluster.Addresses[1], "/chat?session=" + sessionId));
        Assert.Equal(sessionId, moved.SessionId);
        Assert.Equal("kept for you", (await moved.NextAsync("private", Patience)).Data);

        // Host 1 let it go; host 2 has it now, whichever host a publish comes to.
        HttpResponseMessage again = await first.PostAsJsonAsync("/_host/publish/chat", new { @event = "private", data = "still you", session = sessionId });
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal("still you", (await moved.NextAsync("private", Patience)).Data);
    }

    [Fact]
    public async Task Client_counts_say_what_is_on_this_host_and_what_is_on_all_of_them()
    {
        await using HostCluster cluster = await HostCluster.StartAsync(redis.Server, 2);
        await using SseStream one = await SseStream.OpenAsync(new Uri(cluster.Addresses[0], "/chat"));
        await using SseStream two = await SseStream.OpenAsync(new Uri(cluster.Addresses[1], "/chat"));
        await using SseStream three = await SseStream.OpenAsync(new Uri(cluster.Addresses[1], "/chat"));
        using HttpClient http = new() { BaseAddress = cluster.Addresses[0] };

        JsonElement local = await http.GetFromJsonAsync<JsonElement>("/_host/clients/chat");
        Assert.Equal(one.SessionId, Assert.Single(local.EnumerateArray()).GetProperty("session").GetString());

        // Each host says how many it has every couple of seconds.
        JsonElement cluster1 = await Eventually.ValueAsync(
            () => http.GetFromJsonAsync<JsonElement>("/_host/clients/chat?cluster"),
            c => c.GetProperty("clients").GetInt32() == 3,
            Patience);
        JsonElement[] nodes = [.. cluster1.GetProperty("nodes").EnumerateArray()];
        Assert.Equal(2, nodes.Length);
        Assert.True(nodes[0].GetProperty("local").GetBoolean());
        Assert.Equal(1, nodes[0].GetProperty("clients").GetInt32());
        Assert.Equal(2, nodes[1].GetProperty("clients").GetInt32());
        Assert.Equal(one.SessionId, Assert.Single(cluster1.GetProperty("local").EnumerateArray()).GetProperty("session").GetString());

        // The status reports say both: this host's clients, and all hosts' together.
        JsonElement mount = await Eventually.ValueAsync(
            async () => Assert.Single((await http.GetFromJsonAsync<JsonElement>("/_host/mounts")).EnumerateArray()),
            m => m.GetProperty("clusterClients").GetInt32() == 3,
            Patience);
        Assert.Equal(1, mount.GetProperty("clients").GetInt32());
        Assert.Contains("/chat\tChat\t1 clients\t0 dropped as slow\t3 clients on all hosts", await http.GetStringAsync("/"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_request_the_host_that_has_the_session_answers_keeps_the_plugins_header_fields_and_its_retry_later()
    {
        await using HostCluster cluster = await HostCluster.StartAsync(redis.Server, 2,
            services: """{ "/h": { "Plugin": "Faulty", "Type": "HeadersService", "RetryMilliseconds": 2500 } }""", plugin: "Faulty");
        await using SseStream client = await SseStream.OpenAsync(new Uri(cluster.Addresses[0], "/h?answer=stream"));
        using HttpClient other = new() { BaseAddress = cluster.Addresses[1] };

        // The plugin on the first host answers (only it saw the client connect), with its fields.
        (string body, string[] traces) = await Eventually.ValueAsync(
            async () =>
            {
                using HttpResponseMessage reply = await other.GetAsync($"/h?session={client.SessionId}&answer=connected&h1=X-Trace:%20a&h2=X-Trace:%20b");
                Assert.Equal(HttpStatusCode.OK, reply.StatusCode);
                return (await reply.Content.ReadAsStringAsync(), reply.Headers.TryGetValues("X-Trace", out IEnumerable<string>? values) ? values.ToArray() : []);
            },
            answer => answer.Item1.Length > 0,
            Patience);
        Assert.Equal(client.SessionId, body);
        Assert.Equal(["a", "b"], traces);

        using HttpResponseMessage later = await other.GetAsync($"/h?session={client.SessionId}&answer=retry&delayMs=4500&reason=busy&h1=X-Trace:%20r");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, later.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(5), later.Headers.RetryAfter?.Delta);
        Assert.Equal(["r"], later.Headers.GetValues("X-Trace"));
        Assert.Equal("busy\n", await later.Content.ReadAsStringAsync());
    }

    private static string Upstream(HttpResponseMessage response) =>
        response.Headers.TryGetValues("X-Upstream", out IEnumerable<string>? values) ? values.Single() : throw new InvalidOperationException("nginx sent no X-Upstream header.");

    private static async Task<string> PublishAsync(HttpClient node, object body)
    {
        HttpResponseMessage answer = await node.PostAsJsonAsync("/_host/publish/chat", body);
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        return (await answer.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }
}
