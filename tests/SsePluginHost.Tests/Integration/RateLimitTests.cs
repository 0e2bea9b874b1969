using System.Net;
using System.Net.Sockets;
using System.Text;
using SsePluginHost.Tests.Infrastructure;

namespace SsePluginHost.Tests.Integration;

/// <summary>
/// Rate limits per client address (<c>RateLimits</c> of a mount), over real sockets on both
/// lanes: past a limit an EventSource is told to come back later (200, <c>retry:</c>, closed),
/// other requests get 429 with <c>Retry-After</c>; another address has its own budget, also the
/// one a known proxy names.
/// </summary>
public sealed class RateLimitTests
{
    private static string Mount(string limits) =>
        $$"""{ "/echo": { "Plugin": "Faulty", "Type": "EchoService", "RetryMilliseconds": 2000, "RateLimits": {{limits}} } }""";

    private static string Lane(bool directStreams, string extra = "") =>
        $$"""{ "Streams": { "DirectStreams": {{(directStreams ? "true" : "false")}} }{{extra}} }""";

    /// <summary>Sends an EventSource GET from a given loopback address and reads the head and what follows it (chunk sizes and all, through ASP.NET Core).</summary>
    private static async Task<(RawResponseHead Head, string Start, Socket Socket)> EventSourceFromAsync(TestHost host, string from = "127.0.0.1",
        string extraHeader = "")
    {
        Socket socket = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Parse(from), 0));
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, host.BaseAddress.Port));
        string request = "GET /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n" + extraHeader + "\r\n";
        await socket.SendAsync(Encoding.ASCII.GetBytes(request));
        byte[] buffer = new byte[4096];
        StringBuilder read = new();
        using CancellationTokenSource timeout = new(TimeSpan.FromSeconds(10));
        while (!read.ToString().Contains("\n\n", StringComparison.Ordinal) || !HasBodyStart(read.ToString()))
        {
            int n = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
            if (n == 0)
            {
                break;
            }

            read.Append(Encoding.UTF8.GetString(buffer, 0, n));
        }

        string text = read.ToString();
        int end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        string[] lines = text[..end].Split("\r\n");
        RawResponseHead head = new()
        {
            StatusLine = lines[0],
            StatusCode = int.Parse(lines[0].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture),
            Headers = [.. lines.Skip(1).Select(l => new KeyValuePair<string, string>(l[..l.IndexOf(':', StringComparison.Ordinal)], l[(l.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim()))],
        };
        string body = text[(end + 4)..];
        return (head, head.IsChunked ? Dechunk(body) : body, socket);
    }

    /// <summary>The data of the whole chunks read (chunk sizes and their line ends taken out).</summary>
    private static string Dechunk(string chunked)
    {
        StringBuilder data = new();
        int at = 0;
        while (at < chunked.Length)
        {
            int lineEnd = chunked.IndexOf("\r\n", at, StringComparison.Ordinal);
            if (lineEnd < 0)
            {
                break;
            }

            int size = int.Parse(chunked[at..lineEnd], System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture);
            if (size == 0 || lineEnd + 2 + size > chunked.Length)
            {
                break;
            }

            data.Append(chunked, lineEnd + 2, size);
            at = lineEnd + 2 + size + 2;
        }

        return data.ToString();
    }

    /// <summary>Whether what follows the head holds a whole first event (or a retry field).</summary>
    private static bool HasBodyStart(string text)
    {
        int end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        return end >= 0 && text[(end + 4)..].Contains("\n\n", StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Past_the_stream_opens_an_address_may_make_an_EventSource_is_told_to_come_back_later(bool directStreams)
    {
        await using TestHost host = await TestHost.StartAsync(Mount("""{ "StreamOpensPerSecond": 0.2, "StreamOpensBurst": 2 }"""), Lane(directStreams));
        List<Socket> sockets = [];
        try
        {
            for (int i = 0; i < 2; i++)
            {
                (RawResponseHead head, string start, Socket socket) = await EventSourceFromAsync(host);
                sockets.Add(socket);
                Assert.Equal(200, head.StatusCode);
                Assert.Contains("event: session-id", start, StringComparison.Ordinal);
            }

            (RawResponseHead refused, string body, Socket third) = await EventSourceFromAsync(host);
            sockets.Add(third);
            Assert.Equal(200, refused.StatusCode);
            Assert.Equal("text/event-stream", refused.Get("Content-Type"));
            Assert.Equal("2", refused.Get("Retry-After"));
            Assert.Contains(": over the limit of stream opens per second, retry later\nretry: 2000\n\n", body, StringComparison.Ordinal);

            // Another address has its own budget.
            (RawResponseHead other, string otherStart, Socket fromElsewhere) = await EventSourceFromAsync(host, "127.0.0.2");
            sockets.Add(fromElsewhere);
            Assert.Equal(200, other.StatusCode);
            Assert.Contains("event: session-id", otherStart, StringComparison.Ordinal);
            await host.Logs.WaitForAsync(l => l.Contains("/echo: over the limit of stream opens per second from 127.0.0.1", StringComparison.Ordinal), TimeSpan.FromSeconds(5));
        }
        finally
        {
            sockets.ForEach(s => s.Dispose());
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Past_the_concurrent_streams_of_an_address_it_waits_for_one_to_end(bool directStreams)
    {
        await using TestHost host = await TestHost.StartAsync(Mount("""{ "ConcurrentStreamsPerAddress": 2 }"""), Lane(directStreams));
        SseStream first = await host.OpenStreamAsync("/echo");
        await using SseStream second = await host.OpenStreamAsync("/echo");

        (RawResponseHead refused, string body, Socket third) = await EventSourceFromAsync(host);
        using (third)
        {
            Assert.Equal(200, refused.StatusCode);
            Assert.Contains(": over the limit of concurrent streams per address, retry later\nretry: 2000\n\n", body, StringComparison.Ordinal);
        }

        await first.DisposeAsync();
        await Eventually.TrueAsync(() => host.ClientCount("/echo") == 1);
        string start = await Eventually.ValueAsync(async () =>
        {
            (RawResponseHead _, string body, Socket socket) = await EventSourceFromAsync(host);
            socket.Dispose();
            return body;
        }, body => body.Contains("event: session-id", StringComparison.Ordinal));
        Assert.Contains("event: session-id", start, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Past_the_requests_an_address_may_send_a_request_gets_429_with_Retry_After(bool directStreams)
    {
        await using TestHost host = await TestHost.StartAsync(Mount("""{ "RequestsPerSecond": 0.5 }"""), Lane(directStreams));

        // A burst of twice the rate, rounded up, is allowed: one request here.
        using HttpResponseMessage allowed = await host.Client.GetAsync("/echo?refuse=418");
        using HttpResponseMessage limited = await host.Client.GetAsync("/echo?refuse=418");

        Assert.Equal((HttpStatusCode)418, allowed.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.NotNull(limited.Headers.RetryAfter?.Delta);
        Assert.True(limited.Headers.RetryAfter!.Delta >= TimeSpan.FromSeconds(1));
        string line = await limited.Content.ReadAsStringAsync();
        Assert.StartsWith("Too many requests to /echo from 127.0.0.1 (the limit of requests per second); retry in ", line, StringComparison.Ordinal);
        Assert.Single(line.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task Behind_a_known_proxy_each_client_address_it_names_has_its_own_budget()
    {
        await using TestHost host = await TestHost.StartAsync(Mount("""{ "StreamOpensPerSecond": 0.2, "StreamOpensBurst": 1 }"""),
            """{ "ForwardedHeaders": { "KnownProxies": [ "127.0.0.1" ] } }""");
        List<Socket> sockets = [];
        try
        {
            (RawResponseHead a, _, Socket sa) = await EventSourceFromAsync(host, extraHeader: "X-Forwarded-For: 203.0.113.1\r\n");
            (RawResponseHead b, _, Socket sb) = await EventSourceFromAsync(host, extraHeader: "X-Forwarded-For: 203.0.113.2\r\n");
            (RawResponseHead aAgain, string body, Socket sc) = await EventSourceFromAsync(host, extraHeader: "X-Forwarded-For: 203.0.113.1\r\n");
            sockets.AddRange([sa, sb, sc]);

            Assert.Equal(200, a.StatusCode);
            Assert.Null(a.Get("Retry-After"));
            Assert.Null(b.Get("Retry-After"));
            Assert.Contains(": over the limit of stream opens per second, retry later\nretry: 2000\n\n", body, StringComparison.Ordinal);

            // Only ASP.NET Core's pipeline knows the forwarded address: the mount is served there.
            Assert.True(a.IsChunked);
        }
        finally
        {
            sockets.ForEach(s => s.Dispose());
        }
    }
}
