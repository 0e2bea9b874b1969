using System.Net;
using System.Net.ServerSentEvents;
using System.Text.Json;
using SsePluginHost.Tests.Infrastructure;

namespace SsePluginHost.Tests.Integration;

public sealed class ChatTests
{
    private const string Chat = """{ "/chat": { "Plugin": "Chat", "Settings": {} } }""";

    [Fact]
    public async Task A_message_sent_with_a_plain_GET_reaches_every_client_with_the_sender_nickname()
    {
        await using TestHost host = await TestHost.StartAsync(Chat);
        await using SseStream alice = await host.OpenStreamAsync("/chat");
        await using SseStream bob = await host.OpenStreamAsync("/chat");

        HttpResponseMessage nick = await host.Client.GetAsync($"/chat?session={alice.SessionId}&nick=alice");
        Assert.Equal(HttpStatusCode.OK, nick.StatusCode);
        HttpResponseMessage sent = await host.Client.GetAsync($"/chat?session={alice.SessionId}&msg={Uri.EscapeDataString("hello, bob")}");
        Assert.Equal(HttpStatusCode.OK, sent.StatusCode);

        foreach (SseStream reader in new[] { alice, bob })
        {
            JsonElement message = Json(await reader.NextAsync("message"));
            Assert.Equal("alice", message.GetProperty("nick").GetString());
            Assert.Equal("hello, bob", message.GetProperty("text").GetString());
        }
    }

    [Fact]
    public async Task A_message_sent_as_a_POST_form_works_the_same()
    {
        await using TestHost host = await TestHost.StartAsync(Chat);
        await using SseStream alice = await host.OpenStreamAsync("/chat");
        await using SseStream bob = await host.OpenStreamAsync("/chat");

        HttpResponseMessage sent = await host.Client.PostAsync("/chat", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["session"] = bob.SessionId,
            ["nick"] = "bob",
            ["msg"] = "two\nlines",
        }));

        Assert.Equal(HttpStatusCode.OK, sent.StatusCode);
        JsonElement message = Json(await alice.NextAsync("message"));
        Assert.Equal("bob", message.GetProperty("nick").GetString());
        Assert.Equal("two\nlines", message.GetProperty("text").GetString());
    }

    [Fact]
    public async Task Joins_and_leaves_are_broadcast()
    {
        await using TestHost host = await TestHost.StartAsync(Chat);
        await using SseStream alice = await host.OpenStreamAsync("/chat?nick=alice");
        Assert.Equal("alice", Json(await alice.NextAsync("join")).GetProperty("nick").GetString());

        SseStream carol = await host.OpenStreamAsync("/chat?nick=carol");
        Assert.Equal("carol", Json(await alice.NextAsync("join")).GetProperty("nick").GetString());
        await carol.DisposeAsync();

        JsonElement leave = Json(await alice.NextAsync("leave", TimeSpan.FromSeconds(3)));
        Assert.Equal("carol", leave.GetProperty("nick").GetString());
    }

    [Fact]
    public async Task An_unknown_session_gets_404_with_a_clear_message()
    {
        await using TestHost host = await TestHost.StartAsync(Chat);

        HttpResponseMessage answer = await host.Client.GetAsync("/chat?session=not-a-session&msg=hi");

        Assert.Equal(HttpStatusCode.NotFound, answer.StatusCode);
        Assert.Contains("unknown session", await answer.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_browser_gets_the_chat_page()
    {
        await using TestHost host = await TestHost.StartAsync(Chat);
        using HttpRequestMessage request = new(HttpMethod.Get, "/chat");
        request.Headers.Add("Accept", "text/html,application/xhtml+xml");

        HttpResponseMessage page = await host.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        Assert.Contains("EventSource", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private static JsonElement Json(SseItem<string> item) => JsonDocument.Parse(item.Data).RootElement;
}
