using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using SsePluginHost.Tests.Infrastructure;

namespace SsePluginHost.Tests.Integration;

/// <summary>Bounded queues, slow consumers, and the limits on streams and requests.</summary>
public sealed class SlowConsumerAndLimitsTests
{
    [Fact]
    public async Task A_client_that_stops_reading_is_dropped_as_a_slow_consumer_while_others_get_every_event()
    {
        await using TestHost host = await TestHost.StartAsync(
            """{ "/echo": { "Plugin": "Faulty", "Type": "SecondService", "History": { "Count": 10 } } }""",
            """{ "Streams": { "QueueCapacity": 64, "QueueBytes": 1048576 } }""");
        await using SseStream reader = await host.OpenStreamAsync("/echo");
        using Socket stalled = await OpenStalledStreamAsync(host.BaseAddress, "/echo");
        await Eventually.TrueAsync(() => host.ClientCount("/echo") == 2);

        string payload = new('x', 64 * 1024);
        const int count = 300;
        for (int i = 0; i < count; i++)
        {
            host.Broadcast("/echo", "big", i.ToString(CultureInfo.InvariantCulture) + " " + payload);
            string data = (await reader.NextAsync("big")).Data;
            Assert.StartsWith(i.ToString(CultureInfo.InvariantCulture) + " ", data, StringComparison.Ordinal);
        }

        string dropped = await host.Logs.WaitForAsync(l => l.Contains("dropped as a slow consumer", StringComparison.Ordinal), TimeSpan.FromSeconds(10));
        Assert.DoesNotContain(reader.SessionId, dropped, StringComparison.Ordinal);
        await host.Logs.WaitForAsync(l => l.Contains("left (SlowConsumer)", StringComparison.Ordinal), TimeSpan.FromSeconds(10));
        Assert.Equal(1, host.ClientCount("/echo"));
        Assert.Contains("/echo\tFaulty\t1 clients\t1 dropped as slow", await host.Client.GetStringAsync("/"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Over_the_host_limit_a_stream_gets_200_with_a_retry_and_ends_and_gets_in_once_there_is_room()
    {
        await using TestHost host = await TestHost.StartAsync(
            """
            {
              "/a": { "Plugin": "Faulty", "Type": "SecondService", "RetryMilliseconds": 2500 },
              "/b": { "Plugin": "Faulty", "Type": "SecondService" }
            }
            """,
            """{ "Streams": { "MaxStreams": 2 } }""");
        SseStream a = await host.OpenStreamAsync("/a");
        await using SseStream b = await host.OpenStreamAsync("/b");

        using HttpRequestMessage request = new(HttpMethod.Get, "/a");
        request.Headers.Add("Accept", "text/event-stream");
        using CancellationTokenSource timeout = new(TimeSpan.FromSeconds(5));
        HttpResponseMessage refused = await host.Client.SendAsync(request, timeout.Token);
        string body = await refused.Content.ReadAsStringAsync(timeout.Token);

        Assert.Equal(HttpStatusCode.OK, refused.StatusCode);
        Assert.Equal("text/event-stream", refused.Content.Headers.ContentType?.MediaType);
        Assert.Equal(TimeSpan.FromSeconds(3), refused.Headers.RetryAfter?.Delta);
        Assert.Contains("retry: 2500\n", body, StringComparison.Ordinal);
        Assert.DoesNotContain("session-id", body, StringComparison.Ordinal);
        await host.Logs.WaitForAsync(l => l.Contains("/a: stream refused, over the limit", StringComparison.Ordinal), TimeSpan.FromSeconds(5));

        await a.DisposeAsync();
        await Eventually.TrueAsync(() => host.TotalStreams() == 1);
        await using SseStream again = await host.OpenStreamAsync("/a");
        Assert.NotEmpty(again.SessionId);
    }

    [Fact]
    public async Task Oversized_request_headers_get_431_and_the_host_keeps_serving()
    {
        await using TestHost host = await TestHost.StartAsync("""{ "/echo": { "Plugin": "Faulty", "Type": "EchoService" } }""");
        using HttpRequestMessage request = new(HttpMethod.Get, "/echo");
        request.Headers.Add("Accept", "text/event-stream");
        request.Headers.Add("X-Huge", new string('h', 64 * 1024));

        HttpResponseMessage answer = await host.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.RequestHeaderFieldsTooLarge, answer.StatusCode);
        await using SseStream fine = await host.OpenStreamAsync("/echo");
        Assert.NotEmpty(fine.SessionId);
    }

    /// <summary>Opens a stream on a raw socket with a tiny receive buffer, and never reads it.</summary>
    private static async Task<Socket> OpenStalledStreamAsync(Uri baseAddress, string path)
    {
        Socket socket = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4096 };
        await socket.ConnectAsync(IPAddress.Loopback, baseAddress.Port);
        byte[] request = Encoding.ASCII.GetBytes($"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n");
        await socket.SendAsync(request);
        return socket;
    }

}
