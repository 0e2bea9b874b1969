using System.Net;
using System.Net.ServerSentEvents;
using SsePluginHost.Tests.Infrastructure;

namespace SsePluginHost.Tests.Integration;

/// <summary>
/// Topics inside a mount, with the real host and the Faulty plugin's <c>RoomsService</c>: an
/// event broadcast to a topic (by the plugin, or by the publish API's <c>topic</c> or its other
/// name <c>group</c>) reaches the topic's followers only, one broadcast to the mount reaches
/// everyone, a client that reconnects with <c>Last-Event-ID</c> is replayed exactly the missed
/// events of its topics and of the mount, and a plugin can make a client follow a topic later.
/// On both ways in.
/// </summary>
public sealed class TopicsTests
{
    private const string Rooms = """{ "/rooms": { "Plugin": "Faulty", "Type": "RoomsService" } }""";

    private static string Lane(bool directStreams) => $$"""{ "Streams": { "DirectStreams": {{(directStreams ? "true" : "false")}} } }""";

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task An_event_of_a_topic_reaches_its_followers_only_whether_the_plugin_or_the_publish_API_sends_it(bool directStreams)
    {
        await using TestHost host = await TestHost.StartAsync(Rooms, Lane(directStreams));
        await using SseStream room1 = await host.OpenStreamAsync("/rooms?topic=room1");
        await using SseStream room2 = await host.OpenStreamAsync("/rooms?topic=room2");
        await using SseStream both = await host.OpenStreamAsync("/rooms?topic=room1,room2");
        await using SseStream none = await host.OpenStreamAsync("/rooms");

        string fromPlugin = await host.Client.GetStringAsync("/rooms?topic=room1&say=hello%20room%201");
        using HttpResponseMessage published = await host.Client.PostAsync("/_host/publish/rooms?event=say&topic=room2", new StringContent("hello room 2"));
        Assert.Equal(HttpStatusCode.OK, published.StatusCode);
        Assert.Contains("\"delivered\":2", await published.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        host.Broadcast("/rooms", "say", "hello everyone");

        // Each gets its rooms' events and the mount's, in order, and nothing else before the mount's.
        Assert.Equal(["hello everyone"], await SaysUntilEveryoneAsync(none));
        Assert.Equal(["hello room 1", "hello everyone"], await SaysUntilEveryoneAsync(room1));
        Assert.Equal(["hello room 2", "hello everyone"], await SaysUntilEveryoneAsync(room2));
        Assert.Equal(["hello room 1", "hello room 2", "hello everyone"], await SaysUntilEveryoneAsync(both));
        Assert.False(string.IsNullOrEmpty(fromPlugin));
    }

    [Theory]
    [InlineData("query")]
    [InlineData("json")]
    [InlineData("form")]
    public async Task The_publish_API_takes_group_as_another_name_for_topic_and_the_event_reaches_that_topics_followers_only(string how)
    {
        await using TestHost host = await TestHost.StartAsync(Rooms);
        await using SseStream room1 = await host.OpenStreamAsync("/rooms?topic=room1");
        await using SseStream room2 = await host.OpenStreamAsync("/rooms?topic=room2");
        await using SseStream none = await host.OpenStreamAsync("/rooms");

        using HttpResponseMessage published = how switch
        {
            "query" => await host.Client.PostAsync("/_host/publish/rooms?event=say&group=room2", new StringContent("hello room 2")),
            "json" => await host.Client.PostAsync("/_host/publish/rooms",
                new StringContent("""{ "event": "say", "group": "room2", "data": "hello room 2" }""", System.Text.Encoding.UTF8, "application/json")),
            _ => await host.Client.PostAsync("/_host/publish/rooms",
                new FormUrlEncodedContent(new Dictionary<string, string> { ["event"] = "say", ["group"] = "room2", ["data"] = "hello room 2" })),
        };
        string answer = await published.Content.ReadAsStringAsync();
        Assert.True(published.StatusCode == HttpStatusCode.OK, answer);
        Assert.Contains("\"delivered\":1", answer, StringComparison.Ordinal);
        host.Broadcast("/rooms", "say", "hello everyone");

        Assert.Equal(["hello room 2", "hello everyone"], await SaysUntilEveryoneAsync(room2));
        Assert.Equal(["hello everyone"], await SaysUntilEveryoneAsync(room1));
        Assert.Equal(["hello everyone"], await SaysUntilEveryoneAsync(none));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_client_that_reconnects_with_its_last_event_id_gets_the_missed_events_of_its_topics_and_of_the_mount_only(bool directStreams)
    {
        await using TestHost host = await TestHost.StartAsync(Rooms, Lane(directStreams));
        string lastSeen;
        await using (SseStream first = await host.OpenStreamAsync("/rooms?topic=room1"))
        {
            host.Broadcast("/rooms", "say", "seen");
            lastSeen = (await first.NextAsync("say")).EventId!;
        }

        await host.Client.GetStringAsync("/rooms?topic=room1&say=missed%20in%20room%201");
        await host.Client.GetStringAsync("/rooms?topic=room2&say=never%20its%2C%20in%20room%202");
        host.Broadcast("/rooms", "say", "missed by all");
        await using SseStream again = await host.OpenStreamAsync("/rooms?topic=room1", new Dictionary<string, string> { ["Last-Event-ID"] = lastSeen });
        host.Broadcast("/rooms", "say", "everyone");

        Assert.Equal(["missed in room 1", "missed by all", "everyone"], await SaysUntilEveryoneAsync(again));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_plugin_can_make_a_client_follow_a_topic_later_and_stop_following_it(bool directStreams)
    {
        await using TestHost host = await TestHost.StartAsync(Rooms, Lane(directStreams));
        await using SseStream client = await host.OpenStreamAsync("/rooms");

        Assert.Equal("True room9", await host.Client.GetStringAsync($"/rooms?session={client.SessionId}&follow=room9"));
        Assert.Equal("False room9", await host.Client.GetStringAsync($"/rooms?session={client.SessionId}&follow=room9"));
        await host.Client.GetStringAsync("/rooms?topic=room9&say=now%20yours");
        Assert.Equal("True ", await host.Client.GetStringAsync($"/rooms?session={client.SessionId}&unfollow=room9"));
        await host.Client.GetStringAsync("/rooms?topic=room9&say=no%20longer%20yours");
        host.Broadcast("/rooms", "say", "everyone");

        Assert.Equal(["now yours", "everyone"], await SaysUntilEveryoneAsync(client));
    }

    [Fact]
    public async Task The_publish_API_refuses_a_topic_with_a_session_or_a_topic_name_that_is_not_valid()
    {
        await using TestHost host = await TestHost.StartAsync(Rooms);
        await using SseStream client = await host.OpenStreamAsync("/rooms");

        using HttpResponseMessage both = await host.Client.PostAsync($"/_host/publish/rooms?topic=room1&session={client.SessionId}", new StringContent("x"));
        using HttpResponseMessage bad = await host.Client.PostAsync("/_host/publish/rooms?topic=a%0Ab", new StringContent("x"));
        using HttpResponseMessage tooLong = await host.Client.PostAsync($"/_host/publish/rooms?topic={new string('t', 201)}", new StringContent("x"));

        Assert.Equal(HttpStatusCode.BadRequest, both.StatusCode);
        Assert.Contains("not both", await both.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("without control characters", await bad.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, tooLong.StatusCode);
    }

    /// <summary>The data of the <c>say</c> events a client gets, up to and with the one broadcast to everyone (the last one each test sends).</summary>
    private static async Task<List<string>> SaysUntilEveryoneAsync(SseStream stream)
    {
        List<string> says = [];
        while (true)
        {
            SseItem<string> item = await stream.NextAsync("say");
            says.Add(item.Data);
            if (item.Data is "hello everyone" or "everyone")
            {
                return says;
            }
        }
    }
}
