using SsePluginHost.Tests.Infrastructure;

namespace SsePluginHost.Tests.Integration;

/// <summary>HEAD of a stream answers at once with the stream's headers: no session, no plugin callback, the connection free for its next request.</summary>
public sealed class HeadRequestTests
{
    private const string Chat = """{ "/chat": "Chat" }""";

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task HEAD_of_a_stream_creates_no_session_and_the_connection_serves_its_next_request(bool directStreams)
    {
        await using TestHost host = await TestHost.StartAsync(Chat, $$"""{ "Streams": { "DirectStreams": {{(directStreams ? "true" : "false")}} } }""");
        await using SseStream watcher = await host.OpenStreamAsync("/chat");
        Assert.Equal("join", (await watcher.NextAsync()).EventType);

        // Two requests on one connection: the HEAD, then a GET that must be answered too.
        using RawHttpConnection connection = await RawHttpConnection.OpenAsync(host.BaseAddress);
        await connection.SendAsync("HEAD /chat HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n");
        RawResponseHead head = await connection.ReadHeadAsync();
        await connection.SendAsync("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
        RawResponseHead next = await connection.ReadHeadAsync();

        Assert.Equal(200, head.StatusCode);
        Assert.Equal("text/event-stream", head.Get("Content-Type"));
        Assert.Equal(200, next.StatusCode);
        Assert.Equal(1, host.ClientCount("/chat"));

        // Nobody joined: the next event the watcher sees is this one.
        host.Broadcast("/chat", "marker", "after the HEAD");
        Assert.Equal("marker", (await watcher.NextAsync()).EventType);
    }
}
