using System.Net;
using System.Net.Sockets;
using System.Text;
using SsePluginHost.Tests.Infrastructure;
using Xunit.Abstractions;

namespace SsePluginHost.Tests.Integration;

/// <summary>
/// Heads far over Kestrel's limits, sent over real sockets: a request line of 9 KiB, 64 KiB and
/// 1 MiB (414), one header field of 40 KiB and 200 header fields (431). Each is sent as an
/// EventSource GET and as a plain GET, with direct streams on and off, and gets Kestrel's own
/// answer on both ways in (the direct path hands such a head over at once, it does not hold it);
/// afterwards the host still serves a stream and a plain request, and no stream or session is
/// left behind.
/// </summary>
public sealed class OversizedHeadTests(ITestOutputHelper output)
{
    private const string Path = "/echo";
    private const string Echo = """{ "/echo": { "Plugin": "Faulty", "Type": "EchoService" } }""";
    private const int KiB = 1024;

    public static TheoryData<string, bool> Cases()
    {
        TheoryData<string, bool> data = [];
        foreach (bool directStreams in new[] { true, false })
        {
            foreach (string name in new[] { "line-9k", "line-64k", "line-1m", "header-40k", "headers-200" })
            {
                data.Add(name, directStreams);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task An_oversized_head_gets_kestrels_answer_on_both_ways_in_and_leaves_nothing_behind(string name, bool directStreams)
    {
        await using TestHost host = await TestHost.StartAsync(Echo, $$"""{ "Streams": { "DirectStreams": {{(directStreams ? "true" : "false")}} } }""");
        int expected = name.StartsWith("line", StringComparison.Ordinal) ? 414 : 431;

        foreach (bool eventStream in new[] { true, false })
        {
            string head = Head(name, eventStream);
            int status = await StatusAsync(host.BaseAddress, head);
            output.WriteLine($"{name}, {(eventStream ? "EventSource" : "plain")} GET of {head.Length / KiB} KiB, direct streams {(directStreams ? "on" : "off")}: {status}");
            Assert.True(expected == status, $"{name} as {(eventStream ? "an EventSource" : "a plain")} GET got {status}, not {expected}.");
        }

        Assert.Equal(0, host.TotalStreams());

        // A normal client is served as ever afterwards: a stream that gets a broadcast, and a plain request.
        await using (SseStream client = await host.OpenStreamAsync(Path))
        {
            await Eventually.TrueAsync(() => host.ClientCount(Path) == 1);
            host.Broadcast(Path, "after", "served");
            Assert.Equal("served", (await client.NextAsync("after")).Data);
            using HttpResponseMessage plain = await host.Client.GetAsync("/_host/mounts");
            Assert.Equal(HttpStatusCode.OK, plain.StatusCode);
        }

        await Eventually.TrueAsync(() => host.TotalStreams() == 0 && host.ClientCount(Path) == 0);
    }

    private static string Head(string name, bool eventStream)
    {
        StringBuilder head = new();
        string target = name switch
        {
            "line-9k" => Path + "?pad=" + new string('a', 9 * KiB),
            "line-64k" => Path + "?pad=" + new string('a', 64 * KiB),
            "line-1m" => Path + "?pad=" + new string('a', 1024 * KiB),
            _ => Path,
        };
        head.Append("GET ").Append(target).Append(" HTTP/1.1\r\nHost: 127.0.0.1\r\n");
        if (eventStream)
        {
            head.Append("Accept: text/event-stream\r\n");
        }

        if (name == "header-40k")
        {
            head.Append("X-Big: ").Append('h', 40 * KiB).Append("\r\n");
        }
        else if (name == "headers-200")
        {
            for (int i = 0; i < 200; i++)
            {
                head.Append("X-Field-").Append(i).Append(": v\r\n");
            }
        }

        return head.Append("\r\n").ToString();
    }

    /// <summary>
    /// Sends the head while reading the answer (the server answers before it has taken the whole
    /// head, and may close without reading the rest), waits until the server closes the
    /// connection, and returns the status of the answer.
    /// </summary>
    private static async Task<int> StatusAsync(Uri baseAddress, string head)
    {
        using Socket socket = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        using CancellationTokenSource timeout = new(TimeSpan.FromSeconds(10));
        await socket.ConnectAsync(IPAddress.Loopback, baseAddress.Port, timeout.Token);
        byte[] bytes = Encoding.ASCII.GetBytes(head);
        Task sending = Task.Run(async () =>
        {
            try
            {
                await socket.SendAsync(bytes, SocketFlags.None, timeout.Token);
            }
            catch (Exception ex) when (ex is SocketException or OperationCanceledException or ObjectDisposedException)
            {
                // The server answered and closed before it took the whole head.
            }
        });

        List<byte> received = [];
        byte[] buffer = new byte[4096];
        while (IndexOf(received, "\r\n"u8) < 0)
        {
            int read = await ReceiveOrResetAsync(socket, buffer, timeout.Token);
            Assert.True(read > 0, $"The connection was closed with no answer ({received.Count} bytes).");
            received.AddRange(buffer.AsSpan(0, read));
        }

        string statusLine = Encoding.ASCII.GetString([.. received[..IndexOf(received, "\r\n"u8)]]);

        // The server then closes the connection (it does not wait for more of the head).
        while (await ReceiveOrResetAsync(socket, buffer, timeout.Token) > 0)
        {
        }

        await sending;
        string[] parts = statusLine.Split(' ');
        Assert.True(parts.Length >= 2 && parts[0] == "HTTP/1.1", $"Not a status line: '{statusLine}'");
        return int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture);
    }

    private static async Task<int> ReceiveOrResetAsync(Socket socket, byte[] buffer, CancellationToken cancellationToken)
    {
        try
        {
            return await socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken);
        }
        catch (SocketException ex) when (ex.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionAborted)
        {
            return 0;
        }
    }

    private static int IndexOf(List<byte> bytes, ReadOnlySpan<byte> value) =>
        System.Runtime.InteropServices.CollectionsMarshal.AsSpan(bytes).IndexOf(value);
}
