using SsePluginHost.Tests.Infrastructure;

namespace SsePluginHost.Tests.Integration;

/// <summary>
/// Header fields a plugin adds to its answer (<c>SseResponse.WithHeader</c>) arrive with it, on a
/// stream and on a reply, whichever way the request came in (the fast lane reads an EventSource
/// request off the connection, ASP.NET Core reads everything else, or everything with
/// <c>DirectStreams</c> off); a field that could split the response is refused when the plugin
/// adds it, so the plugin's call throws, the host answers 500 with a log line, and nothing of it
/// reaches the wire.
/// </summary>
public sealed class PluginHeadersTests
{
    private const string Headers = """{ "/h": { "Plugin": "Faulty", "Type": "HeadersService" } }""";

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task The_plugins_header_fields_arrive_on_a_stream(bool directStreams)
    {
        await using TestHost host = await TestHost.StartAsync(Headers, DirectStreams(directStreams));
        using RawHttpConnection raw = await RawHttpConnection.OpenAsync(host.BaseAddress);

        await raw.SendAsync(RawHttpConnection.EventSourceGet(
            "/h?answer=stream&h1=X-Room:%20lobby&h2=X-Trace:%20a&h3=X-Trace:%20b&h4=Link:%20%3C/style.css%3E;%20rel=preload"));
        RawResponseHead head = await raw.ReadHeadAsync();

        Assert.Equal(200, head.StatusCode);
        Assert.Equal("text/event-stream", head.Get("Content-Type"));
        Assert.Equal("no-cache", head.Get("Cache-Control"));
        Assert.Equal("lobby", head.Get("X-Room"));
        Assert.Equal(["a", "b"], head.All("X-Trace"));
        Assert.Equal("</style.css>; rel=preload", head.Get("Link"));
        Assert.Equal(directStreams, head.Get("Connection") == "close");
        Assert.Equal("session-id", (await raw.NextEventAsync()).EventType);
        await Eventually.TrueAsync(() => host.ClientCount("/h") == 1);
    }

    [Theory]
    [InlineData(true, true)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(false, false)]
    public async Task The_plugins_header_fields_arrive_on_a_reply(bool directStreams, bool eventSourceRequest)
    {
        await using TestHost host = await TestHost.StartAsync(Headers, DirectStreams(directStreams));
        using RawHttpConnection raw = await RawHttpConnection.OpenAsync(host.BaseAddress);
        const string Target = "/h?h1=Cache-Control:%20no-store&h2=Set-Cookie:%20a=1;%20Path=/&h3=Set-Cookie:%20b=2&h4=Retry-After:%2030";

        await raw.SendAsync(eventSourceRequest
            ? RawHttpConnection.EventSourceGet(Target, "Connection: close")
            : $"GET {Target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
        RawResponseHead head = await raw.ReadHeadAsync();

        Assert.Equal(200, head.StatusCode);
        Assert.Equal("text/plain; charset=utf-8", head.Get("Content-Type"));
        Assert.Equal("no-store", head.Get("Cache-Control"));
        Assert.Equal(["a=1; Path=/", "b=2"], head.All("Set-Cookie"));
        Assert.Equal("30", head.Get("Retry-After"));
        Assert.Equal("ok", await raw.ReadBodyToEndAsync());
        Assert.Equal(0, host.ClientCount("/h"));
    }

    [Theory]
    [InlineData("X-Evil:%20a%0D%0ASet-Cookie:%20injected=1", "text", true)]
    [InlineData("X-Evil:%20a%0D%0ASet-Cookie:%20injected=1", "text", false)]
    [InlineData("X-Evil:%20a%0D%0ASet-Cookie:%20injected=1", "stream", true)]
    [InlineData("X-Evil:%20a%0D%0ASet-Cookie:%20injected=1", "stream", false)]
    [InlineData("X-Evil:%20a%0ASet-Cookie:%20injected=1", "stream", true)]
    [InlineData("X-Evil:%20a%0DSet-Cookie:%20injected=1", "text", false)]
    [InlineData("X-Evil:%20a%00injected", "text", true)]
    [InlineData("X-Evil%0D%0ASet-Cookie:%20injected=1", "stream", true)]
    [InlineData("X-Evil%0D%0ASet-Cookie:%20injected=1", "text", false)]
    [InlineData("Content-Length:%200%0D%0A%0D%0AHTTP/1.1%20200%20OK%0D%0AX-Injected:%201", "text", true)]
    [InlineData("Content-Length:%201", "text", false)]
    [InlineData("Transfer-Encoding:%20chunked", "stream", true)]
    [InlineData("Connection:%20keep-alive", "stream", true)]
    [InlineData("Content-Type:%20text/html", "text", false)]
    [InlineData("Cache-Control:%20public,%20max-age=3600", "stream", false)]
    [InlineData("Access-Control-Allow-Origin:%20*", "stream", true)]
    public async Task A_header_field_the_contract_refuses_gets_500_with_a_log_line_and_cannot_split_the_response(string field, string answer, bool directStreams)
    {
        await using TestHost host = await TestHost.StartAsync(Headers, DirectStreams(directStreams));
        using RawHttpConnection raw = await RawHttpConnection.OpenAsync(host.BaseAddress);

        await raw.SendAsync(RawHttpConnection.EventSourceGet($"/h?answer={answer}&h1=X-Fine:%201&h2={field}", "Connection: close"));
        RawResponseHead head = await raw.ReadHeadAsync();
        string body = await raw.ReadBodyToEndAsync();

        Assert.Equal("HTTP/1.1 500 Internal Server Error", head.StatusLine);
        Assert.Equal("The service at /h failed to handle the request.\n", body);
        Assert.Empty(head.All("Set-Cookie"));
        Assert.Empty(head.All("X-Evil"));
        Assert.Empty(head.All("X-Fine"));
        Assert.Empty(head.All("X-Injected"));
        Assert.Equal("text/plain; charset=utf-8", head.Get("Content-Type"));
        Assert.DoesNotContain(head.Headers, h => h.Value.Contains("injected", StringComparison.OrdinalIgnoreCase));
        Assert.True(await raw.ClosedByServerAsync(), "Nothing should follow the answer: the connection closes.");
        string line = await host.Logs.WaitForAsync(l => l.Contains("/h: the plugin threw while handling a GET request; answered 500", StringComparison.Ordinal),
            TimeSpan.FromSeconds(5));
        Assert.Contains("| ArgumentException: ", line, StringComparison.Ordinal);
        Assert.Contains("header field", line, StringComparison.Ordinal);
        Assert.DoesNotContain('\r', line);
        Assert.Equal(0, host.ClientCount("/h"));
        await Eventually.TrueAsync(() => host.TotalStreams() == 0);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task The_hosts_500_for_an_invalid_status_does_not_carry_the_plugins_fields(bool directStreams)
    {
        await using TestHost host = await TestHost.StartAsync(Headers, DirectStreams(directStreams));
        using RawHttpConnection raw = await RawHttpConnection.OpenAsync(host.BaseAddress);

        await raw.SendAsync(RawHttpConnection.EventSourceGet("/h?status=1000&h1=X-Fine:%201&h2=Cache-Control:%20max-age=3600", "Connection: close"));
        RawResponseHead head = await raw.ReadHeadAsync();

        Assert.Equal(500, head.StatusCode);
        Assert.Equal("The service at /h gave an answer with an invalid status.\n", await raw.ReadBodyToEndAsync());
        Assert.Empty(head.All("X-Fine"));
        Assert.Empty(head.All("Cache-Control"));
    }

    [Fact]
    public async Task A_stream_the_plugin_opens_that_is_over_the_limit_is_refused_without_the_plugins_fields()
    {
        // A plain GET the plugin opens a stream for takes its slot only then (an EventSource
        // request over the limit never reaches the plugin).
        await using TestHost host = await TestHost.StartAsync("""{ "/h": { "Plugin": "Faulty", "Type": "HeadersService", "MaxStreams": 1, "RetryMilliseconds": 2500 } }""");
        await using SseStream occupant = await host.OpenStreamAsync("/h?answer=stream");
        using RawHttpConnection raw = await RawHttpConnection.OpenAsync(host.BaseAddress);

        await raw.SendAsync("GET /h?answer=stream&h1=X-Fine:%201 HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
        RawResponseHead head = await raw.ReadHeadAsync();

        Assert.Equal(200, head.StatusCode);
        Assert.Equal("3", head.Get("Retry-After"));
        Assert.Equal(": over capacity, retry later\nretry: 2500\n\n", await raw.ReadBodyToEndAsync());
        Assert.Empty(head.All("X-Fine"));
        Assert.Equal(1, host.ClientCount("/h"));
    }

    private static string DirectStreams(bool on) => $$"""{ "Streams": { "DirectStreams": {{(on ? "true" : "false")}} } }""";
}
