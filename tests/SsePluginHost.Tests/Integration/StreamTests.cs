using System.Net;
using System.Net.ServerSentEvents;
using SsePluginHost.Tests.Infrastructure;

namespace SsePluginHost.Tests.Integration;

public sealed class StreamTests
{
    private const string Echo = """{ "/echo": { "Plugin": "Faulty", "Type": "EchoService" } }""";

    [Fact]
    public async Task A_stream_opens_with_event_stream_headers_and_a_session_id_event()
    {
        await using TestHost host = await TestHost.StartAsync(Echo);
        await using SseStream stream = await host.OpenStreamAsync("/echo");

        Assert.Equal(HttpStatusCode.OK, stream.Response.StatusCode);
        Assert.Equal("text/event-stream", stream.Response.Content.Headers.ContentType?.MediaType);
        Assert.True(stream.Response.Headers.CacheControl?.NoCache);
        Assert.Null(stream.Response.Content.Headers.ContentEncoding.FirstOrDefault());
        Assert.Equal(22, stream.SessionId.Length);
    }

    [Fact]
    public async Task Sessions_get_distinct_ids()
    {
        await using TestHost host = await TestHost.StartAsync(Echo);
        List<SseStream> streams = [];
        try
        {
            for (int i = 0; i < 20; i++)
            {
                streams.Add(await host.OpenStreamAsync("/echo"));
            }

            Assert.Equal(20, streams.Select(s => s.SessionId).Distinct().Count());
        }
        finally
        {
            foreach (SseStream s in streams)
            {
                await s.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Send_to_one_client_reaches_only_it_and_multi_line_data_survives()
    {
        await using TestHost host = await TestHost.StartAsync(Echo);
        await using SseStream a = await host.OpenStreamAsync("/echo");
        await using SseStream b = await host.OpenStreamAsync("/echo");

        HttpResponseMessage sent = await host.Client.PostAsync(
            "/echo",
            new FormUrlEncodedContent(new Dictionary<string, string> { ["session"] = a.SessionId, ["event"] = "note", ["data"] = "one\r\ntwo\rthree\nfour" }));
        Assert.Equal(HttpStatusCode.OK, sent.StatusCode);

        SseItem<string> item = await a.NextAsync("note");
        Assert.Equal("one\ntwo\nthree\nfour", item.Data);
        Assert.Null(await b.TryNextAsync(TimeSpan.FromMilliseconds(300)));
    }

    [Fact]
    public async Task Broadcast_reaches_every_client_of_the_mount()
    {
        await using TestHost host = await TestHost.StartAsync(Echo);
        SseStream[] streams = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => host.OpenStreamAsync("/echo")));
        try
        {
            HttpResponseMessage sent = await host.Client.GetAsync($"/echo?session={streams[0].SessionId}&broadcast=1&event=all&data=hi");
            Assert.Equal(HttpStatusCode.OK, sent.StatusCode);
            foreach (SseStream s in streams)
            {
                Assert.Equal("hi", (await s.NextAsync("all")).Data);
            }
        }
        finally
        {
            foreach (SseStream s in streams)
            {
                await s.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task The_session_is_found_from_the_X_Session_Id_header_and_keeps_plugin_state()
    {
        await using TestHost host = await TestHost.StartAsync(Echo);
        await using SseStream stream = await host.OpenStreamAsync("/echo?state=alice");

        using HttpRequestMessage request = new(HttpMethod.Get, "/echo?whoami=1");
        request.Headers.Add("X-Session-Id", stream.SessionId);
        HttpResponseMessage answer = await host.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.Equal("alice", (await answer.Content.ReadAsStringAsync()).Trim());
    }

    [Theory]
    [InlineData(401)]
    [InlineData(403)]
    public async Task A_plugin_can_refuse_a_stream(int status)
    {
        await using TestHost host = await TestHost.StartAsync(Echo);
        using HttpRequestMessage request = new(HttpMethod.Get, $"/echo?refuse={status}");
        request.Headers.Add("Accept", "text/event-stream");

        HttpResponseMessage answer = await host.Client.SendAsync(request);

        Assert.Equal(status, (int)answer.StatusCode);
        Assert.Contains("refused by plugin", await answer.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(0, host.ClientCount("/echo"));
    }

    [Fact]
    public async Task The_plugin_is_told_within_a_second_or_so_when_a_client_closes_the_connection()
    {
        await using TestHost host = await TestHost.StartAsync(Echo);
        await using SseStream watcher = await host.OpenStreamAsync("/echo");
        SseStream leaver = await host.OpenStreamAsync("/echo");
        string leaverId = leaver.SessionId;

        await leaver.DisposeAsync();

        SseItem<string> left = await watcher.NextAsync("left", TimeSpan.FromSeconds(3));
        Assert.Equal($"{leaverId} ClosedByClient", left.Data);
    }

    [Fact]
    public async Task The_same_plugin_at_two_paths_is_two_independent_instances()
    {
        await using TestHost host = await TestHost.StartAsync("""
            {
              "/a": { "Plugin": "Faulty", "Type": "EchoService", "Settings": { "Greeting": "hello from a" } },
              "/b": { "Plugin": "Faulty", "Type": "EchoService", "Settings": { "Greeting": "hello from b" } }
            }
            """);
        await using SseStream a = await host.OpenStreamAsync("/a");
        await using SseStream b = await host.OpenStreamAsync("/b");

        Assert.Equal("hello from a", (await a.NextAsync("greeting")).Data);
        Assert.Equal("hello from b", (await b.NextAsync("greeting")).Data);

        await host.Client.GetAsync($"/a?session={a.SessionId}&broadcast=1&event=only-a&data=x");
        Assert.Equal("x", (await a.NextAsync("only-a")).Data);
        Assert.Null(await b.TryNextAsync(TimeSpan.FromMilliseconds(300)));

        HttpResponseMessage wrongMount = await host.Client.GetAsync($"/b?session={a.SessionId}&data=x");
        Assert.Equal(HttpStatusCode.NotFound, wrongMount.StatusCode);
    }

    [Fact]
    public async Task On_shutdown_streams_end_and_the_plugin_hears_reason_shutdown()
    {
        TestHost host = await TestHost.StartAsync(Echo);
        try
        {
            await using SseStream stream = await host.OpenStreamAsync("/echo");

            await host.StopAsync();

            await stream.WaitForEndAsync(TimeSpan.FromSeconds(10));
            await host.Logs.WaitForAsync(l => l.Contains($"session {stream.SessionId} left (Shutdown)", StringComparison.Ordinal), TimeSpan.FromSeconds(5));
        }
        finally
        {
            await host.DisposeAsync();
        }
    }

    [Fact]
    public async Task Unknown_paths_get_404_and_the_root_lists_the_mounts()
    {
        await using TestHost host = await TestHost.StartAsync(Echo);

        HttpResponseMessage missing = await host.Client.GetAsync("/nothing-here");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        string root = await host.Client.GetStringAsync("/");
        Assert.Contains("/echo\tFaulty", root, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_oversized_request_body_gets_413_and_the_mount_keeps_serving()
    {
        await using TestHost host = await TestHost.StartAsync(Echo, """{ "Streams": { "MaxRequestBodyBytes": 1024 } }""");
        await using SseStream stream = await host.OpenStreamAsync("/echo");

        HttpResponseMessage big = await host.Client.PostAsync(
            "/echo",
            new FormUrlEncodedContent(new Dictionary<string, string> { ["session"] = stream.SessionId, ["data"] = new string('x', 5000) }));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, big.StatusCode);

        HttpResponseMessage small = await host.Client.PostAsync(
            "/echo",
            new FormUrlEncodedContent(new Dictionary<string, string> { ["session"] = stream.SessionId, ["data"] = "fits" }));
        Assert.Equal(HttpStatusCode.OK, small.StatusCode);
        Assert.Equal("fits", (await stream.NextAsync("echo")).Data);
    }
}
