using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Net.ServerSentEvents;
using System.Text;
using System.Text.Json;
using SsePluginHost.Tests.Infrastructure;

namespace SsePluginHost.Tests.Integration;

/// <summary>
/// Event streams served straight off the connection (<c>Streams:DirectStreams</c>), seen on the
/// wire: an EventSource's first request gets an unchunked <c>Connection: close</c> stream that
/// carries events both ways in and tells the plugin when the client goes; with the option off,
/// or for any request the fast path does not take, ASP.NET Core serves the stream as before; the
/// plugin sees the same request either way; and plugin refusals and the stream limits answer as
/// they always did.
/// </summary>
public sealed class DirectStreamTests
{
    private const string Echo = """{ "/echo": { "Plugin": "Faulty", "Type": "EchoService" } }""";
    private const string RequestEcho = """{ "/req": { "Plugin": "Faulty", "Type": "RequestEchoService" } }""";
    private const string DirectOff = """{ "Streams": { "DirectStreams": false } }""";

    [Fact]
    public async Task An_EventSource_request_is_answered_directly_unchunked_with_connection_close()
    {
        await using TestHost host = await TestHost.StartAsync(Echo);
        await using SseStream watcher = await host.OpenStreamAsync("/echo");
        using RawHttpConnection raw = await RawHttpConnection.OpenAsync(host.BaseAddress);

        await raw.SendAsync(RawHttpConnection.EventSourceGet("/echo"));
        RawResponseHead head = await raw.ReadHeadAsync();

        Assert.Equal("HTTP/1.1 200 OK", head.StatusLine);
        Assert.Equal("text/event-stream", head.Get("Content-Type"));
        Assert.Equal("no-cache", head.Get("Cache-Control"));
        Assert.Equal("no", head.Get("X-Accel-Buffering"));
        Assert.Equal("close", head.Get("Connection"));
        Assert.Null(head.Get("Transfer-Encoding"));
        Assert.Null(head.Get("Content-Length"));
        DateTimeOffset date = DateTimeOffset.ParseExact(head.Get("Date")!, "r", CultureInfo.InvariantCulture);
        Assert.InRange(date, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddMinutes(5));
        await AssertStreamsAndIsHeardLeavingAsync(host, raw, watcher);
    }

    [Fact]
    public async Task With_direct_streams_off_the_same_request_is_chunked_and_streams_the_same()
    {
        await using TestHost host = await TestHost.StartAsync(Echo, DirectOff);
        await using SseStream watcher = await host.OpenStreamAsync("/echo");
        using RawHttpConnection raw = await RawHttpConnection.OpenAsync(host.BaseAddress);

        await raw.SendAsync(RawHttpConnection.EventSourceGet("/echo"));
        RawResponseHead head = await raw.ReadHeadAsync();

        Assert.Equal(200, head.StatusCode);
        Assert.Equal("text/event-stream", head.Get("Content-Type"));
        Assert.True(head.IsChunked, "ASP.NET Core chunks an event stream.");
        Assert.NotEqual("close", head.Get("Connection"));
        await AssertStreamsAndIsHeardLeavingAsync(host, raw, watcher);
    }

    [Fact]
    public async Task A_head_that_arrives_a_byte_at_a_time_is_still_answered_directly()
    {
        await using TestHost host = await TestHost.StartAsync(Echo);
        await using SseStream watcher = await host.OpenStreamAsync("/echo");
        using RawHttpConnection raw = await RawHttpConnection.OpenAsync(host.BaseAddress);

        foreach (byte b in Encoding.ASCII.GetBytes(RawHttpConnection.EventSourceGet("/echo?state=slow", "User-Agent: dribble")))
        {
            await raw.SendAsync(new[] { b });
        }

        RawResponseHead head = await raw.ReadHeadAsync();
        Assert.Equal("close", head.Get("Connection"));
        Assert.False(head.IsChunked);
        await AssertStreamsAndIsHeardLeavingAsync(host, raw, watcher);
    }

    [Theory]
    [InlineData("GET /%65cho HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n", true)]
    [InlineData("GET /x/../echo HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n", true)]
    [InlineData("GET http://127.0.0.1/echo HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n", true)]
    [InlineData("GET /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", true)]
    [InlineData("GET /echo HTTP/1.0\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n", false)]
    public async Task A_request_the_fast_path_does_not_take_still_gets_a_working_stream_from_ASP_NET_Core(string request, bool chunked)
    {
        await using TestHost host = await TestHost.StartAsync(Echo);
        await using SseStream watcher = await host.OpenStreamAsync("/echo");
        using RawHttpConnection raw = await RawHttpConnection.OpenAsync(host.BaseAddress);

        await raw.SendAsync(request);
        RawResponseHead head = await raw.ReadHeadAsync();

        Assert.Equal(200, head.StatusCode);
        Assert.Equal("text/event-stream", head.Get("Content-Type"));
        Assert.Equal(chunked, head.IsChunked);
        await AssertStreamsAndIsHeardLeavingAsync(host, raw, watcher);
    }

    [Fact]
    public async Task A_stream_asked_for_on_a_kept_alive_connection_after_another_request_is_served_by_ASP_NET_Core()
    {
        await using TestHost host = await TestHost.StartAsync(Echo);
        await using SseStream watcher = await host.OpenStreamAsync("/echo");
        using RawHttpConnection raw = await RawHttpConnection.OpenAsync(host.BaseAddress);

        await raw.SendAsync("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
        RawResponseHead listing = await raw.ReadHeadAsync();
        Assert.Equal(200, listing.StatusCode);
        Assert.NotEqual("close", listing.Get("Connection"));
        Assert.Contains("/echo\tFaulty", await raw.ReadBodyToEndAsync(), StringComparison.Ordinal);

        await raw.SendAsync(RawHttpConnection.EventSourceGet("/echo"));
        RawResponseHead head = await raw.ReadHeadAsync();

        Assert.Equal(200, head.StatusCode);
        Assert.Equal("text/event-stream", head.Get("Content-Type"));
        Assert.True(head.IsChunked, "The second request on a connection is ASP.NET Core's, which chunks the stream.");
        await AssertStreamsAndIsHeardLeavingAsync(host, raw, watcher);
    }

    [Theory]
    [InlineData("/req", new string[0])]
    [InlineData(
        "/req/sub/dir/?b=x+y&c=%41%20z&a=1&a=2&d&E=5&empty=&u=%C3%A9&bad=%ZZ&=noname&plus=%2B&q=a?b",
        new[]
        {
            "accept: text/html;q=0.9",
            "User-Agent: parity/1.0 (test)",
            "Cache-Control: no-cache",
            "X-Multi: one",
            "x-multi: two",
            "X-Padded: \t padded  value \t",
            "X-Empty:",
            "Cookie: a=1",
            "Cookie: b=2",
            "Last-Event-ID: 17",
            "X-Session-Id: nobody",
            "Origin: http://example.test",
            "Content-Length: 0",
        })]
    public async Task The_plugin_sees_the_same_request_whichever_way_it_came_in(string target, string[] extraHeaders)
    {
        string request = RawHttpConnection.EventSourceGet(target, extraHeaders);
        await using TestHost direct = await TestHost.StartAsync(RequestEcho);
        await using TestHost viaAspNetCore = await TestHost.StartAsync(RequestEcho, DirectOff);

        (bool directChunked, JsonElement seenDirect) = await SeenByPluginAsync(direct, request);
        (bool otherChunked, JsonElement seenOther) = await SeenByPluginAsync(viaAspNetCore, request);

        Assert.False(directChunked, "The direct path does not chunk.");
        Assert.True(otherChunked, "ASP.NET Core chunks.");
        foreach (string field in new[] { "Method", "MountPath", "SubPath", "RemoteAddress", "AcceptsEventStream", "AcceptsHtml" })
        {
            Assert.Equal(seenOther.GetProperty(field).ToString(), seenDirect.GetProperty(field).ToString());
        }

        Assert.Equal("GET", seenDirect.GetProperty("Method").GetString());
        Assert.Equal("/req", seenDirect.GetProperty("MountPath").GetString());
        Assert.Equal("127.0.0.1", seenDirect.GetProperty("RemoteAddress").GetString());
        Assert.Equal(Sorted(seenOther.GetProperty("Query"), lowerCaseNames: false), Sorted(seenDirect.GetProperty("Query"), lowerCaseNames: false));
        Assert.Equal(Sorted(seenOther.GetProperty("Headers"), lowerCaseNames: true), Sorted(seenDirect.GetProperty("Headers"), lowerCaseNames: true));
    }

    [Theory]
    [InlineData(401, "HTTP/1.1 401 Unauthorized")]
    [InlineData(403, "HTTP/1.1 403 Forbidden")]
    [InlineData(503, "HTTP/1.1 503 Service Unavailable")]
    public async Task A_plugin_that_answers_a_direct_stream_request_with_a_status_is_relayed_with_its_body_and_the_connection_closed(int status, string statusLine)
    {
        await using TestHost host = await TestHost.StartAsync(Echo);
        using RawHttpConnection raw = await RawHttpConnection.OpenAsync(host.BaseAddress);

        await raw.SendAsync(RawHttpConnection.EventSourceGet($"/echo?refuse={status}"));
        RawResponseHead head = await raw.ReadHeadAsync();
        string body = await raw.ReadBodyToEndAsync();

        Assert.Equal(statusLine, head.StatusLine);
        Assert.Equal("text/plain; charset=utf-8", head.Get("Content-Type"));
        Assert.Equal("refused by plugin", body);
        Assert.Equal(Encoding.UTF8.GetByteCount(body).ToString(CultureInfo.InvariantCulture), head.Get("Content-Length"));
        Assert.Equal("close", head.Get("Connection"));
        Assert.Null(head.Get("Transfer-Encoding"));
        Assert.NotNull(head.Get("Date"));
        Assert.True(await raw.ClosedByServerAsync(), "The server should close the connection after the answer.");
        await Eventually.TrueAsync(() => host.TotalStreams() == 0);
        Assert.Equal(0, host.ClientCount("/echo"));
    }

    [Theory]
    [InlineData("""{ "/echo": { "Plugin": "Faulty", "Type": "EchoService", "RetryMilliseconds": 2500 } }""", """{ "Streams": { "MaxStreams": 1 } }""")]
    [InlineData("""{ "/echo": { "Plugin": "Faulty", "Type": "EchoService", "RetryMilliseconds": 2500, "MaxStreams": 1 } }""", null)]
    public async Task Over_the_limit_a_direct_request_gets_200_with_a_retry_and_gets_in_once_there_is_room(string services, string? extra)
    {
        await using TestHost host = await TestHost.StartAsync(services, extra);
        RawHttpConnection occupant = await RawHttpConnection.OpenAsync(host.BaseAddress);
        try
        {
            await occupant.SendAsync(RawHttpConnection.EventSourceGet("/echo"));
            Assert.Equal("close", (await occupant.ReadHeadAsync()).Get("Connection"));
            Assert.Equal("session-id", (await occupant.NextEventAsync()).EventType);

            using RawHttpConnection refused = await RawHttpConnection.OpenAsync(host.BaseAddress);
            await refused.SendAsync(RawHttpConnection.EventSourceGet("/echo"));
            RawResponseHead head = await refused.ReadHeadAsync();
            string body = await refused.ReadBodyToEndAsync();

            Assert.Equal(200, head.StatusCode);
            Assert.Equal("text/event-stream", head.Get("Content-Type"));
            Assert.Equal("3", head.Get("Retry-After"));
            Assert.Contains("retry: 2500\n", body, StringComparison.Ordinal);
            Assert.DoesNotContain("session-id", body, StringComparison.Ordinal);
            await host.Logs.WaitForAsync(l => l.Contains("/echo: stream refused, over the limit", StringComparison.Ordinal), TimeSpan.FromSeconds(5));
            Assert.Equal(1, host.ClientCount("/echo"));
        }
        finally
        {
            occupant.Dispose();
        }

        await Eventually.TrueAsync(() => host.TotalStreams() == 0);
        using RawHttpConnection again = await RawHttpConnection.OpenAsync(host.BaseAddress);
        await again.SendAsync(RawHttpConnection.EventSourceGet("/echo"));
        RawResponseHead admitted = await again.ReadHeadAsync();
        Assert.Equal("close", admitted.Get("Connection"));
        Assert.False(admitted.IsChunked);
        Assert.Equal("session-id", (await again.NextEventAsync()).EventType);
    }

    [Fact]
    public async Task Dropping_a_direct_stream_closes_its_connection_and_the_plugin_hears_dropped()
    {
        await using TestHost host = await TestHost.StartAsync(Echo);
        await using SseStream watcher = await host.OpenStreamAsync("/echo");
        using RawHttpConnection raw = await RawHttpConnection.OpenAsync(host.BaseAddress);
        await raw.SendAsync(RawHttpConnection.EventSourceGet("/echo"));
        Assert.Equal("close", (await raw.ReadHeadAsync()).Get("Connection"));
        string id = (await raw.NextEventAsync("session-id")).Data;

        HttpResponseMessage dropped = await host.Client.DeleteAsync($"/_host/sessions/{id}");

        Assert.Equal(HttpStatusCode.OK, dropped.StatusCode);
        Assert.True(await raw.ClosedByServerAsync(), "A dropped direct stream should end with its connection.");
        Assert.Equal($"{id} Dropped", (await watcher.NextAsync("left")).Data);
        await Eventually.TrueAsync(() => host.TotalStreams() == 1);
    }

    [Fact]
    public async Task On_shutdown_a_direct_stream_is_closed_and_the_plugin_hears_shutdown()
    {
        TestHost host = await TestHost.StartAsync(Echo);
        try
        {
            using RawHttpConnection raw = await RawHttpConnection.OpenAsync(host.BaseAddress);
            await raw.SendAsync(RawHttpConnection.EventSourceGet("/echo"));
            Assert.Equal("close", (await raw.ReadHeadAsync()).Get("Connection"));
            string id = (await raw.NextEventAsync("session-id")).Data;

            await host.StopAsync();

            Assert.True(await raw.ClosedByServerAsync(), "The host should close a direct stream's connection when it stops.");
            await host.Logs.WaitForAsync(l => l.Contains($"session {id} left (Shutdown)", StringComparison.Ordinal), TimeSpan.FromSeconds(5));
        }
        finally
        {
            await host.DisposeAsync();
        }
    }

    /// <summary>
    /// On an open stream (head already read): the <c>session-id</c> event, then an event
    /// published through the API and one sent by the plugin to this client arrive; closing the
    /// connection makes the plugin tell <paramref name="watcher"/> that this client left.
    /// </summary>
    private static async Task AssertStreamsAndIsHeardLeavingAsync(TestHost host, RawHttpConnection raw, SseStream watcher)
    {
        SseItem<string> first = await raw.NextEventAsync();
        Assert.Equal("session-id", first.EventType);
        string id = first.Data;
        Assert.Equal(22, id.Length);
        await Eventually.TrueAsync(() => host.ClientCount("/echo") == 2);

        HttpResponseMessage published = await host.Client.PostAsJsonAsync("/_host/publish/echo", new { @event = "news", data = "line one\nline two" });
        Assert.Equal(HttpStatusCode.OK, published.StatusCode);
        SseItem<string> news = await raw.NextEventAsync("news");
        Assert.Equal("line one\nline two", news.Data);
        Assert.NotNull(news.EventId);

        HttpResponseMessage sent = await host.Client.GetAsync($"/echo?session={id}&event=note&data=just+you");
        Assert.Equal(HttpStatusCode.OK, sent.StatusCode);
        Assert.Equal("just you", (await raw.NextEventAsync("note")).Data);

        raw.Dispose();

        Assert.Equal($"{id} ClosedByClient", (await watcher.NextAsync("left", TimeSpan.FromSeconds(5))).Data);
        await Eventually.TrueAsync(() => host.ClientCount("/echo") == 1 && host.TotalStreams() == 1);
    }

    /// <summary>Sends a stream request on its own connection; returns whether the answer was chunked, and the request the plugin saw.</summary>
    private static async Task<(bool Chunked, JsonElement Seen)> SeenByPluginAsync(TestHost host, string request)
    {
        using RawHttpConnection raw = await RawHttpConnection.OpenAsync(host.BaseAddress);
        await raw.SendAsync(request);
        RawResponseHead head = await raw.ReadHeadAsync();
        Assert.Equal(200, head.StatusCode);
        SseItem<string> seen = await raw.NextEventAsync("request");
        return (head.IsChunked, JsonDocument.Parse(seen.Data).RootElement.Clone());
    }

    /// <summary>A JSON object of strings as sorted "name=value" lines (names lower-cased when their case does not matter).</summary>
    private static List<string> Sorted(JsonElement map, bool lowerCaseNames) =>
        [.. map.EnumerateObject()
            .Select(p => (lowerCaseNames ? p.Name.ToLowerInvariant() : p.Name) + "=" + p.Value.GetString())
            .Order(StringComparer.Ordinal)];
}
