using SsePluginHost.Tests.Infrastructure;

namespace SsePluginHost.Tests.Integration;

/// <summary>
/// A head that is not finished but can already never be valid (a NUL, a 0xFF, a header line
/// without a colon or with white space before it, a folded line, a bare CR) is answered by
/// Kestrel at once, 400, with direct streams on as with them off: the direct path does not hold
/// it until its head timeout.
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
    [InlineData("X-A : b\r\n", true)]
    [InlineData("X-A : b\r\n", false)]
    [InlineData(" folded\r\n", true)]
    [InlineData("X-A: a\rb\r\n", true)]
    public async Task An_unfinished_head_that_can_never_be_valid_is_answered_400_at_once(string badLine, bool directStreams)
    {
        await using TestHost host = await TestHost.StartAsync(Chat, $$"""{ "Streams": { "DirectStreams": {{(directStreams ? "true" : "false")}} } }""");
        using RawHttpConnection connection = await RawHttpConnection.OpenAsync(host.BaseAddress);

        // No blank line: the head is not finished, and nothing more is sent.
        await connection.SendAsync("GET /chat HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n" + badLine);
        RawResponseHead head = await connection.ReadHeadAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(400, head.StatusCode);
    }

    /// <summary>
    /// Kestrel answers some unfinished heads at once by their request line: an HTTP version it
    /// does not speak (505), <c>*</c> for a GET (405), a request line not ended within its 8 KiB
    /// (414). The direct path hands them over at once too, rather than hold them until their head timeout.
    /// </summary>
    [Theory]
    [InlineData("GET /chat HTTP/1.9\r\nHost: 127.0.0.1\r\n", 505, true)]
    [InlineData("GET /chat HTTP/1.9\r\nHost: 127.0.0.1\r\n", 505, false)]
    [InlineData("GET * HTTP/1.1\r\nHost: 127.0.0.1\r\n", 405, true)]
    [InlineData("GET * HTTP/1.1\r\nHost: 127.0.0.1\r\n", 405, false)]
    [InlineData("8 KiB", 414, true)]
    [InlineData("8 KiB", 414, false)]
    public async Task An_unfinished_head_that_Kestrel_answers_by_its_request_line_is_answered_at_once(string start, int status, bool directStreams)
    {
        await using TestHost host = await TestHost.StartAsync(Chat, $$"""{ "Streams": { "DirectStreams": {{(directStreams ? "true" : "false")}} } }""");
        using RawHttpConnection connection = await RawHttpConnection.OpenAsync(host.BaseAddress);

        // Nothing more is sent: an 8 KiB request line is not ended either.
        await connection.SendAsync(start == "8 KiB" ? "GET /chat?pad=" + new string('p', (8 * 1024) - 14) : start);
        RawResponseHead head = await connection.ReadHeadAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(status, head.StatusCode);
    }
}
