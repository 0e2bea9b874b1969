using SsePluginHost.Tests.Infrastructure;

namespace SsePluginHost.Tests.Integration;

/// <summary>
/// A plugin that refuses a request for now (<c>SseResponse.RetryLater</c>), whichever way the
/// request came in: an EventSource request gets what a stream over the mount's limit gets (200
/// <c>text/event-stream</c>, <c>Retry-After</c>, a comment with the reason, a <c>retry:</c>
/// field, the end), any other request 503 with <c>Retry-After</c> and the reason; no session is
/// opened and the plugin hears of no client.
/// </summary>
public sealed class PluginRetryLaterTests
{
    private const string Headers = """{ "/h": { "Plugin": "Faulty", "Type": "HeadersService", "RetryMilliseconds": 2500 } }""";

    [Theory]
    [InlineData(true, "", "3", ": the service is not available now, retry later\nretry: 2500\n\n")]
    [InlineData(false, "", "3", ": the service is not available now, retry later\nretry: 2500\n\n")]
    [InlineData(true, "&delayMs=4500&reason=down%20for%20maintenance", "5", ": down for maintenance, retry later\nretry: 4500\n\n")]
    [InlineData(false, "&delayMs=4500&reason=down%20for%20maintenance", "5", ": down for maintenance, retry later\nretry: 4500\n\n")]
    [InlineData(true, "&delayMs=60000", "60", ": the service is not available now, retry later\nretry: 60000\n\n")]
    [InlineData(false, "&reason=caf%C3%A9%20ferm%C3%A9", "3", ": café fermé, retry later\nretry: 2500\n\n")]
    public async Task An_EventSource_request_is_told_to_retry_as_over_the_limit_and_no_session_is_opened(bool directStreams, string query, string retryAfter, string body)
    {
        await using TestHost host = await TestHost.StartAsync(Headers, DirectStreams(directStreams));
        using RawHttpConnection raw = await RawHttpConnection.OpenAsync(host.BaseAddress);

        await raw.SendAsync(RawHttpConnection.EventSourceGet($"/h?answer=retry{query}&h1=X-Trace:%20t1"));
        RawResponseHead head = await raw.ReadHeadAsync();

        Assert.Equal(200, head.StatusCode);
        Assert.Equal("text/event-stream", head.Get("Content-Type"));
        Assert.Equal("no-cache", head.Get("Cache-Control"));
        Assert.Equal(retryAfter, head.Get("Retry-After"));
        Assert.Equal("t1", head.Get("X-Trace"));
        Assert.Equal(directStreams, head.Get("Connection") == "close");
        Assert.Equal(body, await raw.ReadBodyToEndAsync());
        if (directStreams)
        {
            Assert.True(await raw.ClosedByServerAsync(), "The fast lane ends the connection with the answer.");
        }

        await AssertNoSessionWasOpenedAsync(host);
    }

    [Theory]
    [InlineData(true, true)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(false, false)]
    public async Task Any_other_request_gets_503_with_Retry_After_and_the_reason(bool directStreams, bool withReason)
    {
        await using TestHost host = await TestHost.StartAsync(Headers, DirectStreams(directStreams));
        using RawHttpConnection raw = await RawHttpConnection.OpenAsync(host.BaseAddress);
        string query = withReason ? "&delayMs=1200&reason=down%20for%20maintenance" : string.Empty;

        await raw.SendAsync($"GET /h?answer=retry{query}&h1=X-Trace:%20t1 HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
        RawResponseHead head = await raw.ReadHeadAsync();

        Assert.Equal("HTTP/1.1 503 Service Unavailable", head.StatusLine);
        Assert.Equal("text/plain; charset=utf-8", head.Get("Content-Type"));
        Assert.Equal(withReason ? "2" : "3", head.Get("Retry-After"));
        Assert.Equal("t1", head.Get("X-Trace"));
        Assert.Equal(withReason ? "down for maintenance\n" : "The service at /h is not available now; try again later.\n", await raw.ReadBodyToEndAsync());
        await AssertNoSessionWasOpenedAsync(host);
    }

    /// <summary>
    /// Nothing was left open, and the plugin heard of no client: a stream opened afterwards is
    /// the first and only one its connect callback was called for (callbacks come in order).
    /// </summary>
    private static async Task AssertNoSessionWasOpenedAsync(TestHost host)
    {
        await Eventually.TrueAsync(() => host.TotalStreams() == 0);
        Assert.Equal(0, host.ClientCount("/h"));
        await using SseStream next = await host.OpenStreamAsync("/h?answer=stream");
        string connected = await Eventually.ValueAsync(() => host.Client.GetStringAsync(new Uri("/h?answer=connected", UriKind.Relative)), seen => seen.Length > 0);
        Assert.Equal(next.SessionId, connected);
        Assert.Equal(1, host.ClientCount("/h"));
    }

    private static string DirectStreams(bool on) => $$"""{ "Streams": { "DirectStreams": {{(on ? "true" : "false")}} } }""";
}
