using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Net.ServerSentEvents;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using SsePluginHost.Tests.Infrastructure;

namespace SsePluginHost.Tests.Integration;

/// <summary>
/// Event streams served straight off the connection (<c>Streams:DirectStreams</c>), seen on the
/// wire: an EventSource's first request gets an unchunked <c>Connection: close</c> stream that
/// carries events both ways in and tells the plugin when the client goes; with the option off,
/// or for any request the fast path does not take, ASP.NET Core serves the stream as before; the
/// plugin sees the same request either way; plugin refusals and the stream limits answer as
/// they always did; whatever ASP.NET Core would refuse or answer otherwise (a malformed or
/// over-long head, a Host that is invalid or not allowed, a head too slow to arrive) is answered
/// as ASP.NET Core answers it; and a plugin's content type that is not a valid header value gets
/// the same 500 both ways.
/// </summary>
public sealed class DirectStreamTests
{
    private const string Echo = """{ "/echo": { "Plugin": "Faulty", "Type": "EchoService" } }""";
    private const string RequestEcho = """{ "/req": { "Plugin": "Faulty", "Type": "RequestEchoService" } }""";
    private const string DirectOff = """{ "Streams": { "DirectStreams": false } }""";
    private const string ContentType = """{ "/type": { "Plugin": "Faulty", "Type": "ContentTypeService" } }""";

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
    [InlineData("GET /echo HTTP/1.1\nHost: 127.0.0.1\nAccept: text/event-stream\n\n", true)]
    [InlineData("GET /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\n\n", true)]
    [InlineData("GET /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\n", true)]
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
        "/req/sub/dir/?b=x+y&c=%41%20z&a=1&a=2&A=3&d&E=5&e=6&empty=&u=%C3%A9&bad=%ZZ&=noname&plus=%2B&q=a?b",
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
            "Origin: http://127.0.0.1",
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

    [Fact]
    public async Task A_bare_LF_head_sent_in_pieces_is_handed_over_without_waiting_for_the_rest()
    {
        await using TestHost host = await TestHost.StartAsync(Echo);
        await using SseStream watcher = await host.OpenStreamAsync("/echo");
        using RawHttpConnection raw = await RawHttpConnection.OpenAsync(host.BaseAddress);

        // The start alone already tells the fast path it is not its request; ASP.NET Core then
        // reads the rest as it comes.
        await raw.SendAsync("GET /echo HTTP/1.1\nHost: 127.0.0.1\n");
        Assert.False(await raw.ClosedByServerAsync(TimeSpan.FromMilliseconds(300)), "The connection should wait for the rest of the head.");
        await raw.SendAsync("Accept: text/event-stream\n\n");
        RawResponseHead head = await raw.ReadHeadAsync(TimeSpan.FromSeconds(5));

        Assert.Equal(200, head.StatusCode);
        Assert.True(head.IsChunked, "ASP.NET Core chunks the stream.");
        await AssertStreamsAndIsHeardLeavingAsync(host, raw, watcher);
    }

    [Theory]
    [InlineData("text/plain%0D%0ASet-Cookie:%20injected=1", false)]
    [InlineData("text/plain%0D%0ASet-Cookie:%20injected=1", true)]
    [InlineData("text/plain%0ASet-Cookie:%20injected=1", false)]
    [InlineData("text/plain%0DSet-Cookie:%20injected=1", false)]
    [InlineData("text/plain;%20charset=caf%C3%A9", false)]
    [InlineData("text/plain;%20charset=caf%C3%A9", true)]
    [InlineData("text/plain%00", false)]
    [InlineData("text/plain%7F", false)]
    public async Task A_plugin_content_type_that_is_not_a_valid_header_value_gets_500_and_puts_nothing_on_the_wire(string type, bool directOff)
    {
        await using TestHost host = await TestHost.StartAsync(ContentType, directOff ? DirectOff : null);
        using RawHttpConnection raw = await RawHttpConnection.OpenAsync(host.BaseAddress);

        await raw.SendAsync(RawHttpConnection.EventSourceGet($"/type?type={type}"));
        RawResponseHead head = await raw.ReadHeadAsync();
        string body = await raw.ReadBodyToEndAsync();

        Assert.Equal(500, head.StatusCode);
        Assert.Empty(head.All("Set-Cookie"));
        Assert.DoesNotContain(head.Headers, h => h.Value.Contains("injected", StringComparison.Ordinal) || h.Value.Contains("caf", StringComparison.Ordinal));
        Assert.DoesNotContain("injected", body, StringComparison.Ordinal);
        Assert.DoesNotContain("caf", body, StringComparison.Ordinal);

        // Both ways in say what went wrong, and log it.
        Assert.Equal("text/plain; charset=utf-8", head.Get("Content-Type"));
        Assert.Equal("The service answered with an invalid content type.\n", body);
        await host.Logs.WaitForAsync(l => l.Contains("/type: the plugin answered 200 with a content type that is not a valid header value", StringComparison.Ordinal),
            TimeSpan.FromSeconds(5));
        if (!directOff)
        {
            // Answered on the direct path.
            Assert.Equal("close", head.Get("Connection"));
            Assert.True(await raw.ClosedByServerAsync(), "The server should close the connection after the answer.");
        }

        await Eventually.TrueAsync(() => host.TotalStreams() == 0);
    }

    [Fact]
    public async Task A_plugin_content_type_that_is_a_valid_header_value_is_relayed_on_the_direct_path()
    {
        await using TestHost host = await TestHost.StartAsync(ContentType);
        using RawHttpConnection raw = await RawHttpConnection.OpenAsync(host.BaseAddress);

        await raw.SendAsync(RawHttpConnection.EventSourceGet("/type?type=application/json;%20charset=utf-8"));
        RawResponseHead head = await raw.ReadHeadAsync();

        Assert.Equal(200, head.StatusCode);
        Assert.Equal("application/json; charset=utf-8", head.Get("Content-Type"));
        Assert.Equal("close", head.Get("Connection"));
        Assert.Equal("x", await raw.ReadBodyToEndAsync());
    }

    [Fact]
    public async Task With_AllowedHosts_restricted_a_stream_request_for_another_host_gets_400_and_one_for_an_allowed_host_is_served_by_ASP_NET_Core()
    {
        await using TestHost host = await TestHost.StartAsync(Echo, rootExtraJson: """{ "AllowedHosts": "example.com" }""");

        using (RawHttpConnection evil = await RawHttpConnection.OpenAsync(host.BaseAddress))
        {
            await evil.SendAsync("GET /echo HTTP/1.1\r\nHost: evil.example\r\nAccept: text/event-stream\r\n\r\n");
            RawResponseHead refused = await evil.ReadHeadAsync();
            string body = await evil.ReadBodyToEndAsync();

            Assert.Equal(400, refused.StatusCode);
            Assert.NotEqual("text/event-stream", refused.Get("Content-Type"));
            Assert.DoesNotContain("session-id", body, StringComparison.Ordinal);
            Assert.Equal(0, host.TotalStreams());
            Assert.Equal(0, host.ClientCount("/echo"));
        }

        using RawHttpConnection allowed = await RawHttpConnection.OpenAsync(host.BaseAddress);
        await allowed.SendAsync("GET /echo HTTP/1.1\r\nHost: example.com\r\nAccept: text/event-stream\r\n\r\n");
        RawResponseHead head = await allowed.ReadHeadAsync();

        Assert.Equal(200, head.StatusCode);
        Assert.Equal("text/event-stream", head.Get("Content-Type"));
        Assert.True(head.IsChunked, "With AllowedHosts restricted, ASP.NET Core serves (and chunks) every stream.");
        Assert.NotEqual("close", head.Get("Connection"));
        Assert.Equal("session-id", (await allowed.NextEventAsync()).EventType);
        await Eventually.TrueAsync(() => host.ClientCount("/echo") == 1);
    }

    [Theory]
    [InlineData("*")]
    [InlineData(" example.com ; * ")]
    public async Task With_AllowedHosts_allowing_any_host_streams_are_served_directly(string allowedHosts)
    {
        await using TestHost host = await TestHost.StartAsync(Echo, rootExtraJson: JsonSerializer.Serialize(new { AllowedHosts = allowedHosts }));
        using RawHttpConnection raw = await RawHttpConnection.OpenAsync(host.BaseAddress);

        await raw.SendAsync("GET /echo HTTP/1.1\r\nHost: evil.example\r\nAccept: text/event-stream\r\n\r\n");
        RawResponseHead head = await raw.ReadHeadAsync();

        Assert.Equal(200, head.StatusCode);
        Assert.Equal("close", head.Get("Connection"));
        Assert.False(head.IsChunked);
        Assert.Equal("session-id", (await raw.NextEventAsync()).EventType);
    }

    [Theory]
    [InlineData("GET HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n")]
    [InlineData("GET /echo HTTP/1.1\r\nHost: bad host\r\nAccept: text/event-stream\r\n\r\n")]
    [InlineData("GET /echo HTTP/1.1\r\nHost: bad/host\r\nAccept: text/event-stream\r\n\r\n")]
    [InlineData("GET /echo HTTP/1.1\r\nHost: a@b\r\nAccept: text/event-stream\r\n\r\n")]
    [InlineData("GET /echo HTTP/1.1\r\nHost: x:notaport\r\nAccept: text/event-stream\r\n\r\n")]
    [InlineData("GET /echo HTTP/1.1\r\nHost: x:\r\nAccept: text/event-stream\r\n\r\n")]
    [InlineData("GET /echo HTTP/1.1\r\nHost: [::1\r\nAccept: text/event-stream\r\n\r\n")]
    [InlineData("GET /echo HTTP/1.1\r\nHost: [zz]\r\nAccept: text/event-stream\r\n\r\n")]
    [InlineData("GET /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\nContent-Length: 0\r\nContent-Length: 0\r\n\r\n")]
    public async Task A_malformed_stream_request_gets_400_from_ASP_NET_Core_and_no_stream(string request)
    {
        await using TestHost host = await TestHost.StartAsync(Echo);
        using RawHttpConnection raw = await RawHttpConnection.OpenAsync(host.BaseAddress);

        await raw.SendAsync(request);
        RawResponseHead head = await raw.ReadHeadAsync();

        Assert.Equal(400, head.StatusCode);
        Assert.NotEqual("text/event-stream", head.Get("Content-Type"));
        Assert.True(await raw.ClosedByServerAsync(), "The server should close the connection after a bad request.");
        Assert.Equal(0, host.TotalStreams());
        Assert.DoesNotContain(host.Logs.Lines, l => l.StartsWith("Error:", StringComparison.Ordinal) || l.Contains("Unhandled exception", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("localhost", false)]
    [InlineData("localhost", true)]
    [InlineData("127.0.0.1:8080", false)]
    [InlineData("[::1]:80", false)]
    [InlineData("my_host.example", false)]
    [InlineData("my_host.example", true)]
    public async Task A_plain_Host_gets_a_stream_either_way(string hostHeader, bool directOff)
    {
        await using TestHost host = await TestHost.StartAsync(Echo, directOff ? DirectOff : null);
        using RawHttpConnection raw = await RawHttpConnection.OpenAsync(host.BaseAddress);

        await raw.SendAsync($"GET /echo HTTP/1.1\r\nHost: {hostHeader}\r\nAccept: text/event-stream\r\n\r\n");
        RawResponseHead head = await raw.ReadHeadAsync();

        Assert.Equal(200, head.StatusCode);
        Assert.Equal(directOff, head.IsChunked);
        Assert.Equal("session-id", (await raw.NextEventAsync()).EventType);
    }

    [Theory]
    [InlineData(8 * 1024, 200)]
    [InlineData((8 * 1024) + 1, 414)]
    [InlineData(12 * 1024, 414)]
    public async Task A_request_line_over_Kestrels_limit_gets_414_and_one_at_the_limit_is_served_directly(int lineLength, int status)
    {
        await using TestHost host = await TestHost.StartAsync(Echo);
        using RawHttpConnection raw = await RawHttpConnection.OpenAsync(host.BaseAddress);
        const string Start = "/echo?pad=";
        string target = Start + new string('p', lineLength - "GET ".Length - " HTTP/1.1\r\n".Length - Start.Length);

        await raw.SendAsync(RawHttpConnection.EventSourceGet(target));
        RawResponseHead head = await raw.ReadHeadAsync();

        Assert.Equal(status, head.StatusCode);
        if (status == 200)
        {
            Assert.Equal("close", head.Get("Connection"));
            Assert.False(head.IsChunked);
            Assert.Equal("session-id", (await raw.NextEventAsync()).EventType);
        }
        else
        {
            Assert.True(await raw.ClosedByServerAsync(), "The server should close the connection after a bad request.");
            Assert.Equal(0, host.TotalStreams());
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_head_begun_and_not_finished_within_the_request_headers_timeout_gets_408_and_the_connection_closes(bool directOff)
    {
        await using TestHost host = await TestHost.StartAsync(Echo, directOff ? DirectOff : null, configure: ShortHeadTimeout);
        using RawHttpConnection raw = await RawHttpConnection.OpenAsync(host.BaseAddress);

        Stopwatch waited = Stopwatch.StartNew();
        await raw.SendAsync("GET /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n");
        RawResponseHead head = await raw.ReadHeadAsync(TimeSpan.FromSeconds(8));

        Assert.Equal(408, head.StatusCode);
        Assert.True(waited.Elapsed >= TimeSpan.FromSeconds(0.9), $"The 408 came after {waited.Elapsed}, before the timeout.");
        Assert.True(await raw.ClosedByServerAsync(), "The server should close the connection after a 408.");
        Assert.Equal(0, host.TotalStreams());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_connection_silent_for_longer_than_the_request_headers_timeout_but_within_keep_alive_is_still_served(bool directOff)
    {
        await using TestHost host = await TestHost.StartAsync(Echo, directOff ? DirectOff : null, configure: ShortHeadTimeout);
        using RawHttpConnection raw = await RawHttpConnection.OpenAsync(host.BaseAddress);

        // Until its first byte a connection waits up to the keep-alive timeout (130 s by default).
        Assert.False(await raw.ClosedByServerAsync(TimeSpan.FromSeconds(2.5)), "A silent new connection should be kept for the keep-alive timeout.");
        await raw.SendAsync(RawHttpConnection.EventSourceGet("/echo"));
        RawResponseHead head = await raw.ReadHeadAsync();

        Assert.Equal(200, head.StatusCode);
        Assert.Equal(directOff, head.IsChunked);
        Assert.Equal("session-id", (await raw.NextEventAsync()).EventType);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task With_Last_Event_ID_sent_twice_the_first_one_is_replayed_after_either_way(bool directOff)
    {
        await using TestHost host = await TestHost.StartAsync(
            """{ "/echo": { "Plugin": "Faulty", "Type": "EchoService", "History": { "Count": 100 } } }""", directOff ? DirectOff : null);
        await using SseStream watcher = await host.OpenStreamAsync("/echo");
        List<string> ids = [];
        for (int i = 1; i <= 3; i++)
        {
            host.Broadcast("/echo", "n", i.ToString(CultureInfo.InvariantCulture));
            SseItem<string> seen = await watcher.NextAsync("n");
            Assert.Equal(i.ToString(CultureInfo.InvariantCulture), seen.Data);
            ids.Add(seen.EventId!);
        }

        using RawHttpConnection raw = await RawHttpConnection.OpenAsync(host.BaseAddress);
        await raw.SendAsync(RawHttpConnection.EventSourceGet("/echo", $"Last-Event-ID: {ids[0]}", $"Last-Event-ID: {ids[2]}"));
        RawResponseHead head = await raw.ReadHeadAsync();
        Assert.Equal(200, head.StatusCode);
        Assert.Equal(directOff, head.IsChunked);
        Assert.Equal("session-id", (await raw.NextEventAsync()).EventType);
        await Eventually.TrueAsync(() => host.ClientCount("/echo") == 2);
        host.Broadcast("/echo", "n", "4");

        List<string> received = [];
        while (received.Count < 3)
        {
            SseItem<string> item = await raw.NextEventAsync();
            received.Add($"{item.EventType} {item.Data} {item.EventId}");
        }

        Assert.Equal([$"n 2 {ids[1]}", $"n 3 {ids[2]}", "n 4 " + (await watcher.NextAsync("n")).EventId], received);
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

    /// <summary>
    /// Kestrel's request-headers timeout cut to a second (Kestrel does not read its limits from
    /// configuration); the keep-alive timeout stays at its 130 s.
    /// </summary>
    private static void ShortHeadTimeout(WebApplicationBuilder builder) =>
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.RequestHeadersTimeout = TimeSpan.FromSeconds(1));

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
