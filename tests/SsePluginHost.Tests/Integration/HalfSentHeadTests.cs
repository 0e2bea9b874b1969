using SsePluginHost.Tests.Infrastructure;

namespace SsePluginHost.Tests.Integration;

/// <summary>
/// A head that is not finished but can already never be valid (a NUL, a 0xFF, a header line
/// without a colon) is answered by Kestrel at once, 400, with direct streams on as with them off:
/// the direct path does not hold it until its head timeout.
/// </summary>
public sealed class HalfSentHeadTests
{
    private const string Chat = """{ "/chat": "Chat" }""";

    [Theory]
    [InlineData("X-A: b\u0000c\r\n", true)]
    [InlineData("X-A: \u00ff\r\n", true)]
    [InlineData("no colon here\r\n", true)]
    [InlineData("X-A: b\u0000c\r\n", false)]
    [InlineData("no colon here\r\n", false)]
    public async Task An_unfinished_head_that_can_never_be_valid_is_answered_400_at_once(string badLine, bool directStreams)
    {
        await using TestHost host = await TestHost.StartAsync(Chat, $$"""{ "Streams": { "DirectStreams": {{(directStreams ? "true" : "false")}} } }""");
        using RawHttpConnection connection = await RawHttpConnection.OpenAsync(host.BaseAddress);

        // No blank line: the head is not finished, and nothing more is sent.
        await connection.SendAsync("GET /chat HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n" + badLine);
        RawResponseHead head = await connection.ReadHeadAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(400, head.StatusCode);
    }
}
